using System.Diagnostics.Metrics;
using HealthcareCms.ServiceDefaults.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace HealthcareCms.Tests.Foundation;

public sealed class TelemetryGuardTests : IDisposable
{
    private const string LoginAttempts = "healthcare_cms.auth.login_attempts";

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly List<Metric> _exported = [];
    private readonly MeterProvider _provider;

    public TelemetryGuardTests()
    {
        _provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(MetricCatalog.Meters.Prefix + "*")
            .AddView(TagGuard.SelectView)
            .AddInMemoryExporter(_exported)
            .Build();
    }

    private IMeterFactory MeterFactory => _services.GetRequiredService<IMeterFactory>();

    /// <summary>A fault counter exists at 0 for every declared label combination before its first fault, so
    /// <c>increase()</c> sees the first one; a counter without tags gets one series.</summary>
    [Fact]
    public void A_counter_initialised_at_zero_has_every_declared_combination_at_zero()
    {
        const string forwardFailures = "healthcare_cms.gateway.forward_failures";
        const string auditFailures = "healthcare_cms.compliance.audit_write_failures";
        using var forwards = new MetricCollector<long>(MeterFactory, MetricCatalog.Meters.Gateway, forwardFailures);
        using var audits = new MetricCollector<long>(MeterFactory, MetricCatalog.Meters.Compliance, auditFailures);

        new ContractMeter(MeterFactory, MetricCatalog.Meters.Gateway).Counter(forwardFailures).InitializeAtZero();
        new ContractMeter(MeterFactory, MetricCatalog.Meters.Compliance).Counter(auditFailures).InitializeAtZero();

        var definition = MetricCatalog.ByName[forwardFailures];
        var expected = definition.TagsByKey["route"].Values
            .SelectMany(route => definition.TagsByKey["error"].Values.Select(error => (route, error)))
            .ToHashSet();
        var recorded = forwards.GetMeasurementSnapshot();
        Assert.Equal(expected.Count, recorded.Count);
        Assert.Equal(expected, recorded.Select(m => ((string)m.Tags["route"]!, (string)m.Tags["error"]!)).ToHashSet());
        Assert.All(recorded, m => Assert.Equal(0, m.Value));
        var audit = Assert.Single(audits.GetMeasurementSnapshot());
        Assert.Equal(0, audit.Value);
        Assert.Empty(audit.Tags);
    }

    [Fact]
    public void A_tag_key_outside_the_allow_list_is_dropped_when_recorded()
    {
        using var collector = new MetricCollector<long>(MeterFactory, MetricCatalog.Meters.Auth, LoginAttempts);
        var counter = new ContractMeter(MeterFactory, MetricCatalog.Meters.Auth).Counter(LoginAttempts);

        counter.Add(1, new("result", "success"), new("email", "patient@example.com"));

        var measurement = Assert.Single(collector.GetMeasurementSnapshot());
        Assert.Equal(1, measurement.Value);
        Assert.Equal(new Dictionary<string, object?> { ["result"] = "success" }, measurement.Tags);
    }

    [Fact]
    public void A_tag_value_outside_its_closed_set_becomes_other()
    {
        using var collector = new MetricCollector<long>(MeterFactory, MetricCatalog.Meters.Auth, LoginAttempts);
        var counter = new ContractMeter(MeterFactory, MetricCatalog.Meters.Auth).Counter(LoginAttempts);

        counter.Add(1, new KeyValuePair<string, object?>("result", "123.456.789-09"));

        var measurement = Assert.Single(collector.GetMeasurementSnapshot());
        Assert.Equal(TagGuard.OtherValue, measurement.Tags["result"]);
    }

    [Fact]
    public void The_exporter_never_sees_a_tag_outside_the_contract_even_from_a_raw_instrument()
    {
        var meter = MeterFactory.Create(MetricCatalog.Meters.Auth);
        var raw = meter.CreateCounter<long>(LoginAttempts);

        raw.Add(1, new("result", "success"), new("user_id", "5f0c3a1e-2b7d-4e55-9d1a-6a2f7e9b8c10"));
        _provider.ForceFlush();

        var metric = Assert.Single(_exported, m => m.Name == LoginAttempts);
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            foreach (var tag in point.Tags)
            {
                Assert.Equal("result", tag.Key);
            }
        }
    }

    [Fact]
    public void An_undeclared_instrument_of_our_meters_is_dropped()
    {
        var meter = MeterFactory.Create(MetricCatalog.Meters.Auth);
        meter.CreateCounter<long>("healthcare_cms.auth.patients_by_name").Add(1, new KeyValuePair<string, object?>("name", "Maria"));
        meter.CreateCounter<long>(LoginAttempts).Add(1, new KeyValuePair<string, object?>("result", "success"));
        _provider.ForceFlush();

        Assert.DoesNotContain(_exported, m => m.Name == "healthcare_cms.auth.patients_by_name");
        Assert.Contains(_exported, m => m.Name == LoginAttempts);
    }

    [Fact]
    public void Declared_histograms_are_exported_with_their_declared_buckets()
    {
        var histogram = new ContractMeter(MeterFactory, MetricCatalog.Meters.ZeroTrust).Histogram("healthcare_cms.zero_trust.trust_scores");
        histogram.Record(55);
        _provider.ForceFlush();

        var metric = Assert.Single(_exported, m => m.Name == "healthcare_cms.zero_trust.trust_scores");
        var bounds = new List<double>();
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            foreach (var bucket in point.GetHistogramBuckets())
            {
                bounds.Add(bucket.ExplicitBound);
            }
        }

        Assert.Equal([0, 20, 40, 60, 80, 100, double.PositiveInfinity], bounds);
    }

    [Fact]
    public void Asking_for_an_undeclared_metric_fails_fast()
    {
        var meter = new ContractMeter(MeterFactory, MetricCatalog.Meters.Auth);

        Assert.Throws<InvalidOperationException>(() => meter.Counter("healthcare_cms.auth.not_declared"));
        Assert.Throws<InvalidOperationException>(() => meter.Counter("healthcare_cms.zero_trust.denials"));
    }

    [Fact]
    public void Every_histogram_in_seconds_has_the_thresholds_its_alerts_and_slos_use()
    {
        Assert.Contains(0.5, MetricCatalog.HttpBuckets);
        Assert.Contains(0.1, MetricCatalog.ByName["healthcare_cms.repo.query.queue_time"].Buckets!);
        Assert.Contains(0.001, MetricCatalog.ByName["healthcare_cms.repo.query.total_time"].Buckets!);
        Assert.Contains(0.0001, MetricCatalog.ByName["healthcare_cms.zero_trust.evaluation_time"].Buckets!);
        Assert.Equal(0.00001, MetricCatalog.ByName["healthcare_cms.zero_trust.evaluation_time"].Buckets![0]);
        Assert.Equal(0.000001, MetricCatalog.ByName["healthcare_cms.wasm.execution_time"].Buckets![0]);
    }

    public void Dispose()
    {
        _provider.Dispose();
        _services.Dispose();
    }
}
