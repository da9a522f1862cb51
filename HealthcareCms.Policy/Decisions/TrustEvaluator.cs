using System.Net;
using HealthcareCms.Policy.Policies;

namespace HealthcareCms.Policy.Decisions;

/// <summary>How the request's network was classified (logged instead of the address).</summary>
public enum NetworkClass
{
    Trusted,
    Untrusted,
}

/// <summary>How the request's device was classified (logged instead of the device id).</summary>
public enum DeviceClass
{
    Managed,
    Unmanaged,
    Unknown,
}

/// <summary>Each factor's value in [0, 1] before weighting.</summary>
public readonly record struct FactorValues(
    double Authentication,
    double SessionAge,
    double Device,
    double Network,
    double TimeOfDay,
    double FailedLogins,
    double RequestRate);

/// <summary>One evaluation with everything that explains it (the API answers only <see cref="Allowed"/>,
/// <see cref="TrustScore"/> and <see cref="Reasons"/>; simulation and the decision log use the rest).</summary>
public sealed record Evaluation(
    bool Allowed,
    int TrustScore,
    int? Threshold,
    IReadOnlyList<string> Reasons,
    IReadOnlyList<string> Obligations,
    FactorValues Factors,
    NetworkClass Network,
    DeviceClass Device,
    bool Mfa,
    string ResourceType,
    string Action);

/// <summary>
/// The trust algorithm: a deterministic score 0–100 from weighted factors, then the resource type's rule.
/// Hard-deny factors (disabled account, unknown resource type, action or role not permitted, MFA or
/// ownership or trusted network or managed device or business hours required and missing, session too
/// old, too many failed logins, request rate over the limit) deny whatever the score; otherwise a score
/// below the rule's threshold denies. The evaluation reads only its inputs (the request's time, never the
/// clock), so the same request and policy always give the same answer.
/// </summary>
public static class TrustEvaluator
{
    /// <summary>The resource type used for labels when the requested one is not in the policy.</summary>
    public const string UnknownResourceType = "unknown";

    /// <summary>The action used for logs when the requested one is not in the rule.</summary>
    public const string OtherAction = "other";

    /// <param name="request">A request that passed <see cref="DecisionRequestValidator"/>.</param>
    public static Evaluation Evaluate(CompiledPolicy policy, DecisionRequest request)
    {
        var subject = request.Subject!;
        var context = request.Context!;
        var factors = policy.Factors;

        var mfa = HasMfa(subject.Amr);
        var password = mfa || Contains(subject.Amr, "pwd");
        var address = IPAddress.Parse(context.Ip!);
        var network = policy.IsTrusted(address) ? NetworkClass.Trusted : NetworkClass.Untrusted;
        var device = context.DeviceManaged == true && !string.IsNullOrEmpty(context.DeviceId) ? DeviceClass.Managed
            : !string.IsNullOrEmpty(context.DeviceId) ? DeviceClass.Unmanaged
            : DeviceClass.Unknown;
        var hour = context.Time!.Value.UtcDateTime.Hour;
        var businessHours = hour >= factors.TimeOfDay.StartHourUtc && hour < factors.TimeOfDay.EndHourUtc;
        var rate = context.RequestRatePerMinute ?? 0;

        var values = new FactorValues(
            Authentication: mfa ? 1 : password ? factors.Authentication.PasswordOnly : 0,
            SessionAge: Falling(subject.SessionAgeSeconds, factors.SessionAge.FullTrustSeconds, factors.SessionAge.MaxSeconds),
            Device: device switch
            {
                DeviceClass.Managed => 1,
                DeviceClass.Unmanaged => factors.Device.Unmanaged,
                _ => factors.Device.Unknown,
            },
            Network: network == NetworkClass.Trusted ? 1 : factors.Network.Untrusted,
            TimeOfDay: businessHours ? 1 : factors.TimeOfDay.OffHours,
            FailedLogins: Falling(subject.RecentFailedLogins, 0, factors.FailedLogins.Max),
            RequestRate: Falling(rate, factors.RequestRate.NormalPerMinute, factors.RequestRate.MaxPerMinute));
        var score = Score(policy.Weights, values);

        var reasons = new List<string>(2);
        if (subject.Status == "disabled")
        {
            reasons.Add(ReasonCodes.AccountDisabled);
        }

        var type = request.Resource!.Type!;
        if (!policy.Resources.TryGetValue(type, out var rule))
        {
            reasons.Add(ReasonCodes.UnknownResourceType);
            return new Evaluation(false, score, null, reasons, [], values, network, device, mfa, UnknownResourceType, OtherAction);
        }

        var action = request.Action!;
        if (!rule.Actions.Contains(action))
        {
            reasons.Add(ReasonCodes.ActionNotPermitted);
            action = OtherAction;
        }

        var roles = subject.Roles!;
        if (!AnyIn(roles, rule.Roles))
        {
            reasons.Add(ReasonCodes.RoleNotPermitted);
        }

        if (rule.RequireMfa && !mfa)
        {
            reasons.Add(ReasonCodes.MfaRequired);
        }

        if (OwnershipRequired(rule, roles, request.Resource) && request.Resource.OwnerId != subject.Id)
        {
            reasons.Add(ReasonCodes.NotOwner);
        }

        if (rule.RequireTrustedNetwork && network != NetworkClass.Trusted)
        {
            reasons.Add(ReasonCodes.UntrustedNetwork);
        }

        if (rule.RequireManagedDevice && device != DeviceClass.Managed)
        {
            reasons.Add(ReasonCodes.UnmanagedDevice);
        }

        if (rule.BusinessHoursOnly && !businessHours)
        {
            reasons.Add(ReasonCodes.OutsideBusinessHours);
        }

        if (subject.SessionAgeSeconds > factors.SessionAge.MaxSeconds)
        {
            reasons.Add(ReasonCodes.SessionTooOld);
        }

        if (subject.RecentFailedLogins >= factors.FailedLogins.Max)
        {
            reasons.Add(ReasonCodes.TooManyFailedLogins);
        }

        if (rate > factors.RequestRate.MaxPerMinute)
        {
            reasons.Add(ReasonCodes.RequestRateExceeded);
        }

        if (reasons.Count == 0 && score < rule.MinTrustScore)
        {
            reasons.Add(ReasonCodes.TrustScoreBelowThreshold);
        }

        var allowed = reasons.Count == 0;
        return new Evaluation(allowed, score, rule.MinTrustScore, allowed ? [ReasonCodes.PolicySatisfied] : reasons,
            allowed ? rule.Obligations : [], values, network, device, mfa, rule.ResourceType, action);
    }

    /// <summary>Weighted sum of the factor values, rounded half away from zero, within 0–100.</summary>
    public static int Score(TrustWeights weights, FactorValues values)
    {
        var sum = weights.Authentication * values.Authentication
            + weights.SessionAge * values.SessionAge
            + weights.Device * values.Device
            + weights.Network * values.Network
            + weights.TimeOfDay * values.TimeOfDay
            + weights.FailedLogins * values.FailedLogins
            + weights.RequestRate * values.RequestRate;
        return Math.Clamp((int)Math.Round(sum, MidpointRounding.AwayFromZero), 0, 100);
    }

    /// <summary>1 up to <paramref name="full"/>, 0 from <paramref name="zero"/>, linear between.</summary>
    private static double Falling(double value, double full, double zero) =>
        value <= full ? 1 : value >= zero ? 0 : (zero - value) / (zero - full);

    /// <summary>Ownership binds a subject whose every permitted role on this resource is owner-only, when the
    /// request names one resource (a collection request is filtered by owner at the enforcement point).</summary>
    private static bool OwnershipRequired(CompiledResourceRule rule, IReadOnlyList<string> roles, DecisionResource resource)
    {
        if (rule.OwnerOnlyRoles.Count == 0 || string.IsNullOrEmpty(resource.Id))
        {
            return false;
        }

        var ownerOnly = false;
        foreach (var role in roles)
        {
            if (!rule.Roles.Contains(role))
            {
                continue;
            }

            if (!rule.OwnerOnlyRoles.Contains(role))
            {
                return false;
            }

            ownerOnly = true;
        }

        return ownerOnly;
    }

    public static bool HasMfa(IReadOnlyList<string>? amr) => Contains(amr, "mfa") || Contains(amr, "otp");

    private static bool Contains(IReadOnlyList<string>? values, string value)
    {
        if (values is null)
        {
            return false;
        }

        for (var i = 0; i < values.Count; i++)
        {
            if (string.Equals(values[i], value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool AnyIn(IReadOnlyList<string> values, IReadOnlySet<string> set)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (set.Contains(values[i]))
            {
                return true;
            }
        }

        return false;
    }
}
