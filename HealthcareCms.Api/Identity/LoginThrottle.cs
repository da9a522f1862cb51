using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HealthcareCms.Api.Identity;

/// <summary>
/// Failed logins per account key (SHA-256 of the normalized email, known or unknown alike, so no email
/// that never had an account is stored in clear). In the database so every replica sees the same count.
/// </summary>
public sealed class LoginThrottle
{
    public required byte[] KeyHash { get; set; }

    public int FailureCount { get; set; }

    public DateTimeOffset WindowStartedAt { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }
}

internal sealed class LoginThrottleConfiguration : IEntityTypeConfiguration<LoginThrottle>
{
    public void Configure(EntityTypeBuilder<LoginThrottle> throttle)
    {
        throttle.ToTable("login_throttles");
        throttle.HasKey(t => t.KeyHash);
    }
}
