using System.Diagnostics.Metrics;
using HealthcareCms.ServiceDefaults.Telemetry;

namespace HealthcareCms.Api.Live;

/// <summary>
/// The seed's LiveView mount metrics, for SignalR: <c>phoenix.live_view.mount.stop.duration</c> →
/// <c>healthcare_cms.live.mount.duration{view}</c> (seconds), <c>phoenix.live_view.mount.exception</c> →
/// <c>healthcare_cms.live.mount.exception{view}</c>. A "mount" is a client joining a view (a hub group).
/// </summary>
public sealed class LiveMetrics
{
    public const string PostWorkflowView = "post_workflow";

    private readonly ContractHistogram _mountDuration;
    private readonly ContractCounter _mountException;

    public LiveMetrics(IMeterFactory meterFactory)
    {
        var meter = new ContractMeter(meterFactory, MetricCatalog.Meters.Live);
        _mountDuration = meter.Histogram("healthcare_cms.live.mount.duration");
        _mountException = meter.Counter("healthcare_cms.live.mount.exception").InitializeAtZero();
    }

    public void Mounted(string view, TimeSpan duration) =>
        _mountDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("view", view));

    public void MountFailed(string view) => _mountException.Add(1, new KeyValuePair<string, object?>("view", view));
}
