using HealthcareCms.Policy.Decisions;
using HealthcareCms.Policy.Policies;
using HealthcareCms.ServiceDefaults.Telemetry;

namespace HealthcareCms.Tests.ZeroTrust;

/// <summary>The trust algorithm against the shipped policy (weights: authentication 30, session age 10,
/// device 20, network 20, time of day 5, failed logins 10, request rate 5).</summary>
public sealed class TrustAlgorithmTests
{
    private static readonly CompiledPolicy Policy = PolicyFixtures.ShippedDevelopment;

    [Fact]
    public void Shipped_policy_allows_an_mfa_physician_reading_their_own_consent_from_a_trusted_managed_device_at_14_utc()
    {
        var evaluation = TrustEvaluator.Evaluate(Policy, PolicyFixtures.Baseline());

        Assert.True(evaluation.Allowed);
        Assert.Equal(100, evaluation.TrustScore);
        Assert.Equal([ReasonCodes.PolicySatisfied], evaluation.Reasons);
        Assert.Equal(["audit_access"], evaluation.Obligations);
        Assert.Equal(NetworkClass.Trusted, evaluation.Network);
        Assert.Equal(DeviceClass.Managed, evaluation.Device);
    }

    [Fact]
    public void Shipped_policy_denies_the_same_request_without_mfa()
    {
        var request = PolicyFixtures.Baseline().WithSubject(s => s with { Amr = ["pwd"] });

        var evaluation = TrustEvaluator.Evaluate(Policy, request);

        Assert.False(evaluation.Allowed);
        Assert.Equal([ReasonCodes.MfaRequired], evaluation.Reasons);
        Assert.Empty(evaluation.Obligations);
    }

    public static TheoryData<string, Func<DecisionRequest, DecisionRequest>, int> Factors() => new()
    {
        { "baseline", r => r, 100 },
        { "authentication: password only (0.4 of 30)", r => r.WithSubject(s => s with { Amr = ["pwd"] }), 82 },
        { "authentication: no method", r => r.WithSubject(s => s with { Amr = [] }), 70 },
        { "authentication: otp counts as mfa", r => r.WithSubject(s => s with { Amr = ["pwd", "otp"] }), 100 },
        { "session age: at the full-trust limit", r => r.WithSubject(s => s with { SessionAgeSeconds = 900 }), 100 },
        { "session age: halfway to the maximum", r => r.WithSubject(s => s with { SessionAgeSeconds = 22050 }), 95 },
        { "session age: at the maximum", r => r.WithSubject(s => s with { SessionAgeSeconds = 43200 }), 90 },
        { "device: known, unmanaged (0.5 of 20)", r => r.WithContext(c => c with { DeviceManaged = false }), 90 },
        { "device: managed flag without a device id", r => r.WithContext(c => c with { DeviceId = null }), 85 },
        { "device: unknown (0.25 of 20)", r => r.WithContext(c => c with { DeviceId = null, DeviceManaged = null }), 85 },
        { "network: public address (0.2 of 20)", r => r.WithContext(c => c with { Ip = "203.0.113.7" }), 84 },
        { "network: loopback is trusted in Development", r => r.WithContext(c => c with { Ip = "127.0.0.1" }), 100 },
        { "network: IPv6 loopback is trusted in Development", r => r.WithContext(c => c with { Ip = "::1" }), 100 },
        { "network: IPv4-mapped private address", r => r.WithContext(c => c with { Ip = "::ffff:192.168.1.9" }), 100 },
        { "time of day: 03:00 UTC (0.3 of 5, rounded)", r => r.WithContext(c => c with { Time = At(3) }), 97 },
        { "time of day: 22:00 UTC is the first off hour", r => r.WithContext(c => c with { Time = At(22) }), 97 },
        { "time of day: 10:00 UTC is the first business hour", r => r.WithContext(c => c with { Time = At(10) }), 100 },
        { "failed logins: 5 of 10", r => r.WithSubject(s => s with { RecentFailedLogins = 5 }), 95 },
        { "request rate: at normal", r => r.WithContext(c => c with { RequestRatePerMinute = 120 }), 100 },
        { "request rate: halfway to the maximum (rounded)", r => r.WithContext(c => c with { RequestRatePerMinute = 360 }), 98 },
        { "request rate: absent counts as none", r => r.WithContext(c => c with { RequestRatePerMinute = null }), 100 },
        {
            "everything weak at once", r => r
                .WithSubject(s => s with { Amr = ["pwd"], SessionAgeSeconds = 22050, RecentFailedLogins = 5 })
                .WithContext(c => c with { Ip = "203.0.113.7", DeviceId = null, DeviceManaged = null, Time = At(3), RequestRatePerMinute = 360 }),
            // 12 + 5 + 5 + 4 + 1.5 + 5 + 2.5 = 35
            35
        },
    };

    [Theory]
    [MemberData(nameof(Factors))]
    public void Each_factor_moves_the_score_by_its_weight(string factor, Func<DecisionRequest, DecisionRequest> change, int expected)
    {
        var evaluation = TrustEvaluator.Evaluate(Policy, change(PolicyFixtures.Baseline()));

        Assert.True(expected == evaluation.TrustScore, $"{factor}: expected {expected}, got {evaluation.TrustScore}");
    }

    [Fact]
    public void Reason_codes_are_exactly_the_closed_sets_of_the_metric_contract()
    {
        Assert.Equal(MetricCatalog.Values.DenialReasons.Order(), ReasonCodes.Deny.Order());
        Assert.Equal(MetricCatalog.Values.AllowReasons, ReasonCodes.Allow);
    }

    public static TheoryData<string, Func<DecisionRequest, DecisionRequest>, string> HardDenies() => new()
    {
        { "disabled account", r => r.WithSubject(s => s with { Status = "disabled" }), ReasonCodes.AccountDisabled },
        { "mfa required, amr lacks it", r => r.WithSubject(s => s with { Amr = ["pwd"] }), ReasonCodes.MfaRequired },
        { "role not permitted", r => r.WithSubject(s => s with { Roles = ["reader"] }), ReasonCodes.RoleNotPermitted },
        { "unknown resource type", r => r.WithResource(x => x with { Type = "x_ray_image" }), ReasonCodes.UnknownResourceType },
        { "action not in the rule", r => r with { Action = "delete" }, ReasonCodes.ActionNotPermitted },
        { "someone else's consent", r => r.WithResource(x => x with { OwnerId = PolicyFixtures.OtherPhysicianId }), ReasonCodes.NotOwner },
        { "object without an owner", r => r.WithResource(x => x with { OwnerId = null }), ReasonCodes.NotOwner },
        { "session older than the maximum", r => r.WithSubject(s => s with { SessionAgeSeconds = 43201 }), ReasonCodes.SessionTooOld },
        { "too many failed logins", r => r.WithSubject(s => s with { RecentFailedLogins = 10 }), ReasonCodes.TooManyFailedLogins },
        { "request rate over the maximum", r => r.WithContext(c => c with { RequestRatePerMinute = 601 }), ReasonCodes.RequestRateExceeded },
        {
            "audit log from an untrusted network", r => r
                .WithSubject(s => s with { Roles = ["dpo"] })
                .WithResource(_ => new DecisionResource("audit_log", null, null))
                .WithContext(c => c with { Ip = "203.0.113.7" }),
            ReasonCodes.UntrustedNetwork
        },
    };

    [Theory]
    [MemberData(nameof(HardDenies))]
    public void A_hard_deny_overrides_a_sufficient_score(string factor, Func<DecisionRequest, DecisionRequest> change, string reason)
    {
        var evaluation = TrustEvaluator.Evaluate(Policy, change(PolicyFixtures.Baseline()));

        Assert.False(evaluation.Allowed, factor);
        Assert.Contains(reason, evaluation.Reasons);
        Assert.DoesNotContain(ReasonCodes.TrustScoreBelowThreshold, evaluation.Reasons);
    }

    [Fact]
    public void Disabled_account_is_denied_even_with_a_perfect_score()
    {
        var evaluation = TrustEvaluator.Evaluate(Policy, PolicyFixtures.Baseline().WithSubject(s => s with { Status = "disabled" }));

        Assert.Equal(100, evaluation.TrustScore);
        Assert.Equal([ReasonCodes.AccountDisabled], evaluation.Reasons);
    }

    [Fact]
    public void Several_hard_denies_are_all_reported_in_a_fixed_order()
    {
        var request = PolicyFixtures.Baseline()
            .WithSubject(s => s with { Status = "disabled", Amr = ["pwd"], RecentFailedLogins = 12 });

        var evaluation = TrustEvaluator.Evaluate(Policy, request);

        Assert.Equal([ReasonCodes.AccountDisabled, ReasonCodes.MfaRequired, ReasonCodes.TooManyFailedLogins], evaluation.Reasons);
    }

    [Fact]
    public void Roles_not_bound_to_ownership_read_any_consent_and_collections_need_no_owner()
    {
        var dpo = PolicyFixtures.Baseline()
            .WithSubject(s => s with { Roles = ["dpo"] })
            .WithResource(x => x with { OwnerId = PolicyFixtures.OtherPhysicianId });
        var list = PolicyFixtures.Baseline() with { Action = "list", Resource = new DecisionResource("patient_consent", null, null) };

        Assert.True(TrustEvaluator.Evaluate(Policy, dpo).Allowed);
        Assert.True(TrustEvaluator.Evaluate(Policy, list).Allowed);
    }

    [Fact]
    public void Managed_device_and_business_hours_requirements_deny_when_unmet()
    {
        var document = PolicyCompiler.Compile(PolicyFixtures.ShippedPolicyJson).Policy!.Document!;
        var strict = document.Resources["patient_consent"] with { RequireManagedDevice = true, BusinessHoursOnly = true };
        var policy = PolicyCompiler.Compile(document with
        {
            Resources = new Dictionary<string, ResourceRuleDocument>(document.Resources) { ["patient_consent"] = strict },
        }).Policy!;
        var request = PolicyFixtures.Baseline().WithContext(c => c with { DeviceManaged = false, Time = At(2) });

        var evaluation = TrustEvaluator.Evaluate(policy, request);

        Assert.Equal([ReasonCodes.UnmanagedDevice, ReasonCodes.OutsideBusinessHours], evaluation.Reasons);
        Assert.True(TrustEvaluator.Evaluate(policy, PolicyFixtures.Baseline()).Allowed);
    }

    public static TheoryData<string, int> Thresholds() => new()
    {
        { "post_public", 0 },
        { "post_draft", 40 },
        { "patient_consent", 70 },
        { "audit_log", 75 },
        { "lgpd_request", 70 },
        { "user_admin", 80 },
        { "policy_admin", 80 },
        { "workflow_status", 40 },
        { "subscriber_data", 40 },
    };

    /// <summary>
    /// What the <c>post_draft</c> threshold (40) means for the sessions physicians write their own drafts from. A
    /// password-only physician at home on an unknown device writes at any hour (48 at night, 51 by day). Off hours,
    /// a risk signal on top turns the session away (a run of failed logins, a session hours old); by day the same
    /// signals alone still pass (42, 41), and only the hard denies refuse. MFA lifts a risky session back over.
    /// </summary>
    public static TheoryData<string, Func<DecisionRequest, DecisionRequest>, int, bool> DraftSessions() => new()
    {
        { "02:00 UTC: password-only, untrusted network, unknown device", r => r, 48, true },
        { "14:00 UTC: the same", r => r.WithContext(c => c with { Time = At(14) }), 51, true },
        { "02:00 UTC: with 9 recent failed logins", r => r.WithSubject(s => s with { RecentFailedLogins = 9 }), 39, false },
        { "02:00 UTC: 12 h into the session", r => r.WithSubject(s => s with { SessionAgeSeconds = 43_200 }), 38, false },
        { "14:00 UTC: with 9 recent failed logins", r => r.WithContext(c => c with { Time = At(14) }).WithSubject(s => s with { RecentFailedLogins = 9 }), 42, true },
        { "14:00 UTC: 12 h into the session", r => r.WithContext(c => c with { Time = At(14) }).WithSubject(s => s with { SessionAgeSeconds = 43_200 }), 41, true },
        { "02:00 UTC: 9 failed logins, but MFA", r => r.WithSubject(s => s with { RecentFailedLogins = 9, Amr = ["pwd", "otp"] }), 57, true },
    };

    [Theory]
    [MemberData(nameof(DraftSessions))]
    public void Draft_threshold_admits_ordinary_writing_sessions_and_refuses_risky_ones(
        string session, Func<DecisionRequest, DecisionRequest> change, int score, bool allowed)
    {
        var homeAtNight = PolicyFixtures.Baseline() with
        {
            Subject = new DecisionSubject(PolicyFixtures.PhysicianId, "active", ["physician"], ["pwd"], 300, 0),
            Resource = new DecisionResource("post_draft", "p-1", PolicyFixtures.PhysicianId),
            Action = "update",
            Context = new DecisionContext("198.51.100.7", null, null, At(2), 10),
        };

        var evaluation = TrustEvaluator.Evaluate(Policy, change(homeAtNight));

        Assert.True(score == evaluation.TrustScore, $"{session}: score {evaluation.TrustScore}");
        Assert.Equal(allowed, evaluation.Allowed);
        Assert.Equal(allowed ? [ReasonCodes.PolicySatisfied] : [ReasonCodes.TrustScoreBelowThreshold], evaluation.Reasons);
    }

    /// <summary>Scores are set exactly through a policy whose only weight is the device (unmanaged = score/100);
    /// the rules are the shipped ones.</summary>
    [Theory]
    [MemberData(nameof(Thresholds))]
    public void Each_resource_type_allows_at_its_threshold_and_denies_one_point_below(string resourceType, int threshold)
    {
        Assert.Equal(threshold, Policy.Resources[resourceType].MinTrustScore);
        var admin = PolicyFixtures.Baseline() with
        {
            Subject = new DecisionSubject("a-1", "active", ["admin"], ["pwd", "mfa"], 300, 0),
            Resource = new DecisionResource(resourceType, null, null),
            Action = Policy.Resources[resourceType].Actions.Order(StringComparer.Ordinal).First(),
            Context = PolicyFixtures.Baseline().Context! with { DeviceManaged = false },
        };

        var atThreshold = TrustEvaluator.Evaluate(DeviceOnly(threshold), admin);
        Assert.Equal(threshold, atThreshold.TrustScore);
        Assert.True(atThreshold.Allowed, string.Join(",", atThreshold.Reasons));

        if (threshold > 0)
        {
            var below = TrustEvaluator.Evaluate(DeviceOnly(threshold - 1), admin);
            Assert.Equal(threshold - 1, below.TrustScore);
            Assert.Equal([ReasonCodes.TrustScoreBelowThreshold], below.Reasons);
        }
    }

    private static CompiledPolicy DeviceOnly(int score)
    {
        var shipped = PolicyFixtures.ShippedDevelopment;
        return PolicyCompiler.Compile(shipped.Document! with
        {
            Weights = new TrustWeights { Authentication = 0, SessionAge = 0, Device = 100, Network = 0, TimeOfDay = 0, FailedLogins = 0, RequestRate = 0 },
            Factors = shipped.Factors with { Device = shipped.Factors.Device with { Unmanaged = score / 100.0 } },
        }, shipped.Overlay).Policy!;
    }

    private static DateTimeOffset At(int hourUtc) => new(2026, 11, 24, hourUtc, 0, 0, TimeSpan.Zero);
}
