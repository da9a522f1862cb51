using System.Diagnostics.Metrics;
using HealthcareCms.Policy.Decisions;
using HealthcareCms.Policy.Policies;
using HealthcareCms.ServiceDefaults.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace HealthcareCms.Tests.ZeroTrust;

/// <summary>The decision point around the algorithm: decision ids, the masked decision log, the metrics.</summary>
public sealed class PolicyEngineTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeLogger<PolicyEngine> _log = new();
    private readonly PolicyEngine _engine;
    private readonly IMeterFactory _meters;

    public PolicyEngineTests()
    {
        _meters = _services.GetRequiredService<IMeterFactory>();
        var store = new PolicyStore(
            Options.Create(new PolicyOptions { Directory = Path.GetDirectoryName(PolicyFixtures.ShippedPolicyPath)! }),
            new HostingEnvironment { EnvironmentName = "Development" }, new FakeLogger<PolicyStore>());
        Assert.True(store.Reload().Succeeded);
        _engine = new PolicyEngine(store, new PolicyMetrics(_meters), _log);
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Every_decision_gets_a_new_id_and_the_active_policy_version()
    {
        var first = _engine.Decide(PolicyFixtures.Baseline());
        var second = _engine.Decide(PolicyFixtures.Baseline());

        Assert.NotEqual(first.DecisionId, second.DecisionId);
        Assert.Equal(32, first.DecisionId.Length);
        Assert.Equal("2026.11.24-4+development", first.PolicyVersion);
        Assert.Equal("allow", first.Decision);
    }

    [Fact]
    public void Decision_log_has_id_result_version_and_masked_inputs_without_personal_data()
    {
        var request = PolicyFixtures.Baseline().WithContext(c => c with { Ip = "10.77.88.99", DeviceId = "device-serial-XYZ987" });

        var response = _engine.Decide(request);

        var record = Assert.Single(_log.Collector.GetSnapshot());
        var message = record.Message;
        Assert.Contains(response.DecisionId, message);
        Assert.Contains("allow patient_consent/read", message);
        Assert.Contains("policy 2026.11.24-4+development", message);
        Assert.Contains("network Trusted", message);
        Assert.Contains("device Managed", message);
        Assert.Contains("roles [physician]", message);
        var values = string.Join(" ", record.StructuredState!.Select(kv => kv.Value));
        foreach (var personal in new[] { PolicyFixtures.PhysicianId, "10.77.88.99", "device-serial-XYZ987", "c-100" })
        {
            Assert.DoesNotContain(personal, message);
            Assert.DoesNotContain(personal, values);
        }
    }

    [Fact]
    public void Unknown_actions_are_logged_as_other_so_the_log_stays_a_closed_vocabulary()
    {
        _engine.Decide(PolicyFixtures.Baseline() with { Action = "exfiltrate" });

        Assert.Contains("deny patient_consent/other", _log.Collector.LatestRecord.Message);
        Assert.Contains("reasons [action_not_permitted]", _log.Collector.LatestRecord.Message);
    }

    [Fact]
    public void Metrics_count_evaluations_by_decision_and_resource_type_and_denials_by_reason()
    {
        using var evaluations = Collector<long>("healthcare_cms.zero_trust.policy_evaluations");
        using var denials = Collector<long>("healthcare_cms.zero_trust.denials");

        _engine.Decide(PolicyFixtures.Baseline());
        _engine.Decide(PolicyFixtures.Baseline().WithSubject(s => s with { Amr = ["pwd"], RecentFailedLogins = 10 }));
        _engine.Decide(PolicyFixtures.Baseline().WithResource(r => r with { Type = "x_ray_image" }));

        var counted = evaluations.GetMeasurementSnapshot()
            .Select(m => $"{m.Tags["decision"]}/{m.Tags["resource_type"]}={m.Value}").ToArray();
        Assert.Equal(["allow/patient_consent=1", "deny/patient_consent=1", "deny/unknown=1"], counted);
        var reasons = denials.GetMeasurementSnapshot().Select(m => (string)m.Tags["reason"]!).ToArray();
        Assert.Equal(["mfa_required", "too_many_failed_logins", "unknown_resource_type"], reasons);
        Assert.All(reasons, r => Assert.Contains(r, MetricCatalog.Values.DenialReasons));
    }

    [Fact]
    public void Trust_scores_are_recorded_without_any_tag_and_evaluation_time_in_seconds()
    {
        using var scores = Collector<double>("healthcare_cms.zero_trust.trust_scores");
        using var time = Collector<double>("healthcare_cms.zero_trust.evaluation_time");

        _engine.Decide(PolicyFixtures.Baseline());
        _engine.Decide(PolicyFixtures.Baseline().WithContext(c => c with { Ip = "203.0.113.7" }));

        Assert.Equal([100d, 84d], scores.GetMeasurementSnapshot().Select(m => m.Value));
        Assert.All(scores.GetMeasurementSnapshot(), m => Assert.Empty(m.Tags));
        Assert.Equal(2, time.GetMeasurementSnapshot().Count);
        Assert.All(time.GetMeasurementSnapshot(), m => Assert.InRange(m.Value, 0, 0.5));
        Assert.Equal("s", time.Instrument!.Unit);
    }

    [Fact]
    public void Simulation_explains_but_is_not_counted()
    {
        using var evaluations = Collector<long>("healthcare_cms.zero_trust.policy_evaluations");

        var (response, evaluation) = _engine.Simulate(PolicyFixtures.Baseline().WithContext(c => c with { Ip = "203.0.113.7" }), candidate: null);

        Assert.Equal("allow", response.Decision);
        Assert.Equal(0.2, evaluation.Factors.Network);
        Assert.Equal(70, evaluation.Threshold);
        Assert.Empty(evaluations.GetMeasurementSnapshot());
        Assert.Contains("simulation True", _log.Collector.LatestRecord.Message);
    }

    private MetricCollector<T> Collector<T>(string name)
        where T : struct => new(_meters, MetricCatalog.Meters.ZeroTrust, name);
}
