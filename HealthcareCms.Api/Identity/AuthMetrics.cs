using System.Diagnostics.Metrics;
using HealthcareCms.ServiceDefaults.Telemetry;

namespace HealthcareCms.Api.Identity;

public enum LoginResult
{
    Success,
    InvalidCredentials,
    LockedOut,
    MfaRequired,
    MfaFailed,
    RateLimited,
}

public enum RefreshResult
{
    Success,
    Expired,
    Reused,
    Invalid,
}

/// <summary>The authentication instruments of the metric contract. Tags come from closed sets only.</summary>
public sealed class AuthMetrics
{
    public const string LoginAttempts = "healthcare_cms.auth.login_attempts";
    public const string TokenRefreshes = "healthcare_cms.auth.token_refreshes";
    public const string Logouts = "healthcare_cms.auth.logouts";

    private readonly ContractCounter _loginAttempts;
    private readonly ContractCounter _tokenRefreshes;
    private readonly ContractCounter _logouts;

    public AuthMetrics(IMeterFactory meterFactory)
    {
        var meter = new ContractMeter(meterFactory, MetricCatalog.Meters.Auth);
        _loginAttempts = meter.Counter(LoginAttempts);
        _tokenRefreshes = meter.Counter(TokenRefreshes);
        _logouts = meter.Counter(Logouts);
    }

    public void LoginAttempt(LoginResult result) =>
        _loginAttempts.Add(1, new KeyValuePair<string, object?>("result", Tag(result)));

    public void TokenRefresh(RefreshResult result) =>
        _tokenRefreshes.Add(1, new KeyValuePair<string, object?>("result", Tag(result)));

    public void Logout() => _logouts.Add();

    public static string Tag(LoginResult result) => result switch
    {
        LoginResult.Success => "success",
        LoginResult.InvalidCredentials => "invalid_credentials",
        LoginResult.LockedOut => "locked_out",
        LoginResult.MfaRequired => "mfa_required",
        LoginResult.MfaFailed => "mfa_failed",
        LoginResult.RateLimited => "rate_limited",
        _ => throw new ArgumentOutOfRangeException(nameof(result)),
    };

    public static string Tag(RefreshResult result) => result switch
    {
        RefreshResult.Success => "success",
        RefreshResult.Expired => "expired",
        RefreshResult.Reused => "reused",
        RefreshResult.Invalid => "invalid",
        _ => throw new ArgumentOutOfRangeException(nameof(result)),
    };
}
