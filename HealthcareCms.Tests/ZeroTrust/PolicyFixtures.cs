using HealthcareCms.Policy.Decisions;
using HealthcareCms.Policy.Policies;
using HealthcareCms.Tests.Infrastructure;

namespace HealthcareCms.Tests.ZeroTrust;

/// <summary>The shipped policy files and a baseline request that scores 100 under them.</summary>
public static class PolicyFixtures
{
    public const string PhysicianId = "7d1f6a52-5b1e-4c47-9a55-3f0cf8d8e001";
    public const string OtherPhysicianId = "7d1f6a52-5b1e-4c47-9a55-3f0cf8d8e002";

    public static string ShippedPolicyPath => Repository.PathOf("HealthcareCms.Policy", "policies", "policy.json");

    public static string DevelopmentOverlayPath => Repository.PathOf("HealthcareCms.Policy", "policies", "policy.Development.json");

    public static string ShippedPolicyJson => File.ReadAllText(ShippedPolicyPath);

    /// <summary>The shipped policy with its Development overlay (loopback and private ranges trusted).</summary>
    public static CompiledPolicy ShippedDevelopment { get; } = Compile(ShippedPolicyJson, File.ReadAllText(DevelopmentOverlayPath));

    public static CompiledPolicy Compile(string json, string? overlay = null)
    {
        var compilation = PolicyCompiler.Compile(json, overlay);
        Assert.True(compilation.Succeeded, string.Join("\n", compilation.Errors));
        return compilation.Policy!;
    }

    /// <summary>An MFA'd physician reading their own patient consent from a private network on a managed
    /// device at 14:00 UTC, 5 minutes into the session, no failures, a modest request rate.</summary>
    public static DecisionRequest Baseline() => new(
        new DecisionSubject(PhysicianId, "active", ["physician"], ["pwd", "mfa", "otp"], SessionAgeSeconds: 300, RecentFailedLogins: 0),
        new DecisionResource("patient_consent", "c-100", PhysicianId),
        "read",
        new DecisionContext("10.1.2.3", "device-42", true, new DateTimeOffset(2026, 11, 24, 14, 0, 0, TimeSpan.Zero), 10));

    public static DecisionRequest WithSubject(this DecisionRequest r, Func<DecisionSubject, DecisionSubject> change) =>
        r with { Subject = change(r.Subject!) };

    public static DecisionRequest WithContext(this DecisionRequest r, Func<DecisionContext, DecisionContext> change) =>
        r with { Context = change(r.Context!) };

    public static DecisionRequest WithResource(this DecisionRequest r, Func<DecisionResource, DecisionResource> change) =>
        r with { Resource = change(r.Resource!) };
}
