using HealthcareCms.ServiceDefaults.Telemetry;

namespace HealthcareCms.Policy.Decisions;

/// <summary>
/// The closed set of decision reasons. Deny codes are <see cref="MetricCatalog.Values.DenialReasons"/> (they are
/// the <c>reason</c> label of <c>denials</c>); allow codes are <see cref="MetricCatalog.Values.AllowReasons"/>.
/// </summary>
public static class ReasonCodes
{
    public const string UnknownResourceType = "unknown_resource_type";
    public const string AccountDisabled = "account_disabled";
    public const string ActionNotPermitted = "action_not_permitted";
    public const string RoleNotPermitted = "role_not_permitted";
    public const string MfaRequired = "mfa_required";
    public const string NotOwner = "not_owner";
    public const string UntrustedNetwork = "untrusted_network";
    public const string UnmanagedDevice = "unmanaged_device";
    public const string OutsideBusinessHours = "outside_business_hours";
    public const string SessionTooOld = "session_too_old";
    public const string TooManyFailedLogins = "too_many_failed_logins";
    public const string RequestRateExceeded = "request_rate_exceeded";
    public const string TrustScoreBelowThreshold = "trust_score_below_threshold";

    public const string PolicySatisfied = "policy_satisfied";

    public static readonly string[] Deny =
    [
        UnknownResourceType, AccountDisabled, ActionNotPermitted, RoleNotPermitted, MfaRequired, NotOwner,
        UntrustedNetwork, UnmanagedDevice, OutsideBusinessHours, SessionTooOld, TooManyFailedLogins,
        RequestRateExceeded, TrustScoreBelowThreshold,
    ];

    public static readonly string[] Allow = [PolicySatisfied];
}
