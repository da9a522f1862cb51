using System.Diagnostics;
using HealthcareCms.Policy.Policies;

namespace HealthcareCms.Policy.Decisions;

/// <summary>
/// The policy decision point: evaluates a request against the active policy (<see cref="PolicyStore"/>),
/// gives it an id, logs it (masked) and measures it. Until a policy is loaded the bootstrap policy is
/// active and everything is denied (deny by default).
/// </summary>
public sealed class PolicyEngine(PolicyStore store, PolicyMetrics metrics, ILogger<PolicyEngine> logger)
{
    public static readonly ActivitySource ActivitySource = new("HealthcareCms.ZeroTrust");

    public string PolicyVersion => store.Current.Version;

    public CompiledPolicy ActivePolicy => store.Current;

    public DecisionResponse Decide(DecisionRequest request)
    {
        using var activity = ActivitySource.StartActivity("policy.decide");
        var policy = store.Current;
        var started = Stopwatch.GetTimestamp();
        var evaluation = TrustEvaluator.Evaluate(policy, request);
        var elapsed = Stopwatch.GetElapsedTime(started);

        var decisionId = NewDecisionId();
        metrics.Evaluated(evaluation, elapsed);
        DecisionLog.Write(logger, decisionId, policy.Version, request, evaluation, simulation: false);
        activity?.SetTag("policy.decision", evaluation.Allowed ? "allow" : "deny");
        activity?.SetTag("policy.resource_type", evaluation.ResourceType);
        activity?.SetTag("policy.version", policy.Version);
        return ToResponse(decisionId, policy.Version, evaluation);
    }

    /// <summary>Evaluates without counting it as a decision (no metrics), against <paramref name="candidate"/>
    /// when given, else the active policy. Logged, flagged as a simulation.</summary>
    public (DecisionResponse Response, Evaluation Evaluation) Simulate(DecisionRequest request, CompiledPolicy? candidate)
    {
        var policy = candidate ?? store.Current;
        var evaluation = TrustEvaluator.Evaluate(policy, request);
        var decisionId = NewDecisionId();
        DecisionLog.Write(logger, decisionId, policy.Version, request, evaluation, simulation: true);
        return (ToResponse(decisionId, policy.Version, evaluation), evaluation);
    }

    private static string NewDecisionId() => Guid.CreateVersion7().ToString("N");

    private static DecisionResponse ToResponse(string decisionId, string version, Evaluation evaluation) =>
        new(decisionId, evaluation.Allowed ? "allow" : "deny", evaluation.TrustScore, evaluation.Reasons, version, evaluation.Obligations);
}
