namespace HealthcareCms.Policy.Decisions;

/// <summary>
/// The policy decision point. Until a policy is loaded it denies everything (deny by default): the
/// bootstrap policy knows no resource type.
/// </summary>
public sealed class PolicyEngine
{
    public const string BootstrapVersion = "bootstrap-0";

    public string PolicyVersion => BootstrapVersion;

    public DecisionResponse Evaluate(DecisionRequest request) =>
        new(Guid.NewGuid().ToString("N"), "deny", 0, ["unknown_resource_type"], PolicyVersion, []);
}
