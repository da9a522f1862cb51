using System.Diagnostics.Metrics;
using HealthcareCms.ServiceDefaults.Telemetry;

namespace HealthcareCms.Policy.Decisions;

/// <summary>
/// The zero-trust instruments of the policy service (MetricCatalog, meter HealthcareCms.ZeroTrust). The trust
/// score histogram carries no label at all: a score per subject would make it a per-user time series.
/// </summary>
public sealed class PolicyMetrics
{
    private readonly ContractCounter _evaluations;
    private readonly ContractHistogram _trustScores;
    private readonly ContractHistogram _evaluationTime;
    private readonly ContractCounter _denials;

    public PolicyMetrics(IMeterFactory meterFactory)
    {
        var meter = new ContractMeter(meterFactory, MetricCatalog.Meters.ZeroTrust);
        _evaluations = meter.Counter("healthcare_cms.zero_trust.policy_evaluations");
        _trustScores = meter.Histogram("healthcare_cms.zero_trust.trust_scores");
        _evaluationTime = meter.Histogram("healthcare_cms.zero_trust.evaluation_time");
        _denials = meter.Counter("healthcare_cms.zero_trust.denials");
    }

    /// <summary>One decision: its outcome per resource type, its score, how long it took and, for a deny, each reason.</summary>
    public void Evaluated(Evaluation evaluation, TimeSpan elapsed)
    {
        _evaluations.Add(1,
            new("decision", evaluation.Allowed ? "allow" : "deny"),
            new("resource_type", evaluation.ResourceType));
        _trustScores.Record(evaluation.TrustScore);
        _evaluationTime.Record(elapsed.TotalSeconds);
        if (!evaluation.Allowed)
        {
            foreach (var reason in evaluation.Reasons)
            {
                _denials.Add(1, new KeyValuePair<string, object?>("reason", reason));
            }
        }
    }
}
