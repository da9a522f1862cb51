using System.ComponentModel.DataAnnotations;

namespace HealthcareCms.Api.Identity;

/// <summary>Configuration section <c>Identity</c>. Secrets come from AppHost parameters (environment).</summary>
public sealed class IdentitySettings
{
    public const string Section = "Identity";

    public JwtSettings Jwt { get; set; } = new();

    public SessionSettings Session { get; set; } = new();

    public LockoutSettings Lockout { get; set; } = new();

    public LoginRateLimitSettings LoginRateLimit { get; set; } = new();

    public SeedSettings Seed { get; set; } = new();

    /// <summary>Largest request body the auth and user endpoints read; larger → 413.</summary>
    [Range(1024, 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024;

    /// <summary>Every section's data annotations (the options validator does not descend into members).</summary>
    public bool IsValid(ICollection<ValidationResult>? errors = null) =>
        new object[] { this, Jwt, Session, Lockout, LoginRateLimit }
            .Select(part => Validator.TryValidateObject(part, new ValidationContext(part), errors, validateAllProperties: true))
            .Aggregate(true, (all, ok) => all & ok);
}

public sealed class JwtSettings
{
    /// <summary>AppHost parameter <c>jwt-signing-key</c>: any string of 32+ characters; the HS256 key and
    /// the MFA-secret encryption key are derived from it with HKDF-SHA256 (distinct labels).</summary>
    [Required, MinLength(32)]
    public string SigningKey { get; set; } = "";

    /// <summary>Access-token lifetime; at most 15 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:15:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Tolerated clock difference between issuer and validator.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class SessionSettings
{
    /// <summary>Absolute session lifetime: refresh never extends a session past it.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "08:00:00")]
    public TimeSpan AbsoluteLifetime { get; set; } = TimeSpan.FromHours(8);
}

public sealed class LockoutSettings
{
    [Range(1, 100)]
    public int MaxFailures { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(15);
}

public sealed class LoginRateLimitSettings
{
    /// <summary>Login attempts served per client IP per window (at least 60 per minute).</summary>
    [Range(60, 100_000)]
    public int PermitLimit { get; set; } = 60;

    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

public sealed class SeedSettings
{
    public string? AdminEmail { get; set; }

    public string? AdminPassword { get; set; }

    /// <summary>Development only: the password of the demo users, one per role.</summary>
    public string? DemoPassword { get; set; }
}
