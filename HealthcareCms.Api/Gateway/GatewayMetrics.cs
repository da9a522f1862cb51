using System.Diagnostics.Metrics;
using System.Diagnostics.Tracing;
using System.Text.Json;
using HealthcareCms.ServiceDefaults.Telemetry;
using Yarp.ReverseProxy.Forwarder;

namespace HealthcareCms.Api.Gateway;

/// <summary>
/// YARP 2.3 reports its telemetry on the EventSource <c>Yarp.ReverseProxy</c> (events and EventCounters), not on a
/// System.Diagnostics.Metrics meter, so "AddMeter(\"Yarp.ReverseProxy\")" exports nothing. These instruments
/// (meter HealthcareCms.Gateway) carry YARP's forwarder events to Prometheus.
/// </summary>
public sealed class GatewayMetrics
{
    private readonly ContractCounter _forwarded;
    private readonly ContractCounter _failures;
    private long _inFlight;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        var meter = new ContractMeter(meterFactory, MetricCatalog.Meters.Gateway);
        _forwarded = meter.Counter("healthcare_cms.gateway.forwarded_requests");
        _failures = meter.Counter("healthcare_cms.gateway.forward_failures").InitializeAtZero();
        meter.Gauge("healthcare_cms.gateway.active_forwards", () => Interlocked.Read(ref _inFlight));
    }

    public void Started() => Interlocked.Increment(ref _inFlight);

    public void Stopped(string? route, int statusCode)
    {
        Interlocked.Decrement(ref _inFlight);
        _forwarded.Add(1, new("route", route), new("status_class", $"{statusCode / 100}xx"));
    }

    public void Failed(string? route, ForwarderError error) =>
        _failures.Add(1, new("route", route), new("error", JsonNamingPolicy.SnakeCaseLower.ConvertName(error.ToString())));
}

/// <summary>Listens to YARP's forwarder events for the lifetime of the host and records them in <see cref="GatewayMetrics"/>.</summary>
public sealed class YarpTelemetryListener(GatewayMetrics metrics, IHttpContextAccessor httpContextAccessor) : IHostedService
{
    public const string EventSourceName = "Yarp.ReverseProxy";

    private Listener? _listener;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = new Listener(this);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _listener?.Dispose();
        return Task.CompletedTask;
    }

    private string? CurrentRoute() =>
        httpContextAccessor.HttpContext?.Features.Get<Yarp.ReverseProxy.Model.IReverseProxyFeature>()?.Route.Config.RouteId;

    private void OnEvent(EventWrittenEventArgs e)
    {
        switch (e.EventName)
        {
            case "ForwarderStart":
                metrics.Started();
                break;
            case "ForwarderStop" when e.Payload is [int statusCode, ..]:
                metrics.Stopped(CurrentRoute(), statusCode);
                break;
            case "ForwarderFailed" when e.Payload is [var error, ..]:
                metrics.Failed(CurrentRoute(), (ForwarderError)Convert.ToInt32(error, System.Globalization.CultureInfo.InvariantCulture));
                break;
        }
    }

    private sealed class Listener : EventListener
    {
        private readonly YarpTelemetryListener _owner;

        public Listener(YarpTelemetryListener owner)
        {
            _owner = owner;
            foreach (var source in EventSource.GetSources())
            {
                EnableIfYarp(source);
            }
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            // Called from the base constructor too, before _owner is set: the constructor enables those.
            if (_owner is not null)
            {
                EnableIfYarp(eventSource);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData) => _owner?.OnEvent(eventData);

        private void EnableIfYarp(EventSource source)
        {
            if (source.Name == EventSourceName)
            {
                EnableEvents(source, EventLevel.Informational);
            }
        }
    }
}
