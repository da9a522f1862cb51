using System.Globalization;
using System.Net.Http.Headers;
using HealthcareCms.ServiceDefaults.Telemetry;
using HealthcareCms.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using System.Diagnostics.Metrics;

namespace HealthcareCms.Tests.Observability;

/// <summary>
/// Every instrument of MetricCatalog, created through ContractMeter in a real host with the services'
/// OpenTelemetry setup, scraped the way Prometheus scrapes it (OpenMetrics, which Prometheus negotiates
/// first, and the classic text format): each is exported under <see cref="MetricDefinition.PrometheusName"/>
/// with its declared buckets. This is what the rules, dashboards and docs/metrics.md rely on, proven for
/// all declared metrics now, before the capabilities that emit them are merged.
/// </summary>
public sealed class ExportedNamesTests : IAsyncLifetime
{
    private WebApplication? _app;
    private readonly List<object> _keepAlive = [];

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.ConfigureOpenTelemetry();
        _app = builder.Build();
        _app.MapPrometheusScrapingEndpoint("/metrics");
        await _app.StartAsync();

        var meterFactory = _app.Services.GetRequiredService<IMeterFactory>();
        foreach (var meterName in MetricCatalog.All.Select(d => d.Meter).Distinct())
        {
            var meter = new ContractMeter(meterFactory, meterName);
            foreach (var definition in MetricCatalog.All.Where(d => d.Meter == meterName))
            {
                var tags = definition.Tags.Select(t => new KeyValuePair<string, object?>(t.Key, t.Values[0])).ToArray();
                switch (definition.Kind)
                {
                    case MetricKind.Counter:
                        meter.Counter(definition.Name).Add(1, tags);
                        break;
                    case MetricKind.Histogram:
                        meter.Histogram(definition.Name).Record(definition.Buckets![0], tags);
                        break;
                    default:
                        _keepAlive.Add(meter.Gauge(definition.Name, () => 1L));
                        break;
                }
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("application/openmetrics-text; version=1.0.0")]
    [InlineData("text/plain; version=0.0.4")]
    public async Task Every_declared_metric_is_exported_under_its_PrometheusName_with_its_buckets(string accept)
    {
        var samples = await ScrapeAsync(accept);
        var names = samples.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);

        foreach (var definition in MetricCatalog.All)
        {
            foreach (var series in MetricContract.SeriesNames(definition))
            {
                Assert.True(names.Contains(series), $"{definition.Name} is not exported as {series} ({accept}); exported: {string.Join(", ", names.Where(MetricContract.IsCustom).Order())}");
            }

            if (definition.Kind == MetricKind.Histogram)
            {
                // Each series (one per label set) has exactly the declared bounds.
                var series = samples.Where(s => s.Name == definition.PrometheusName + "_bucket")
                    .GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal)
                        .Select(l => $"{l.Key}={l.Value}")));
                Assert.All(series, group => Assert.Equal(definition.Buckets!.Order(), group
                    .Select(s => s.Labels["le"]).Where(le => le != "+Inf")
                    .Select(le => double.Parse(le, CultureInfo.InvariantCulture)).Order().ToArray()));
            }
        }

        Assert.All(names.Where(MetricContract.IsCustom).Where(n => !n.EndsWith("_created", StringComparison.Ordinal)),
            name => Assert.True(MetricContract.BySeriesName.ContainsKey(name), $"{name} is exported but not a declared series name"));
    }

    private async Task<IReadOnlyList<ExposedSample>> ScrapeAsync(string accept)
    {
        var address = _app!.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return MetricsScrape.Parse(await response.Content.ReadAsStringAsync());
    }
}
