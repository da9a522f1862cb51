using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HealthcareCms.Api.Identity;

/// <summary>An account. Created by an admin (or the seeder); never deleted, only disabled.</summary>
public sealed class User
{
    public Guid Id { get; set; }

    /// <summary>As the admin typed it (shown back to the user).</summary>
    public required string Email { get; set; }

    /// <summary>Lower-cased, trimmed: the unique key, so emails are unique case-insensitively.</summary>
    public required string NormalizedEmail { get; set; }

    public required string DisplayName { get; set; }

    public required string Role { get; set; }

    /// <summary><see cref="PasswordHasher"/> format: algorithm, iterations, salt and hash.</summary>
    public required string PasswordHash { get; set; }

    /// <summary>Physicians: CRM registration number and its state (UF); optional RQE and specialty.</summary>
    public string? Crm { get; set; }

    public string? Uf { get; set; }

    public string? Rqe { get; set; }

    public string? Specialty { get; set; }

    /// <summary>The active TOTP secret, encrypted (<see cref="MfaSecretProtector"/>); null until verified.</summary>
    public byte[]? MfaSecret { get; set; }

    /// <summary>A secret handed out by enrolment, not yet proven by a code.</summary>
    public byte[]? MfaPendingSecret { get; set; }

    /// <summary>The last TOTP time step accepted: a code is never accepted twice.</summary>
    public long? MfaLastStep { get; set; }

    public bool MfaEnabled => MfaSecret is not null;

    public bool IsDisabled { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public static string Normalize(string email) => email.Trim().ToLowerInvariant();
}

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> user)
    {
        user.ToTable("users");
        user.HasKey(u => u.Id);
        user.Property(u => u.Email).HasMaxLength(UserRules.MaxEmailLength);
        user.Property(u => u.NormalizedEmail).HasMaxLength(UserRules.MaxEmailLength);
        user.HasIndex(u => u.NormalizedEmail).IsUnique();
        user.Property(u => u.DisplayName).HasMaxLength(UserRules.MaxDisplayNameLength);
        user.Property(u => u.Role).HasMaxLength(20);
        user.Property(u => u.PasswordHash).HasMaxLength(300);
        user.Property(u => u.Crm).HasMaxLength(10);
        user.Property(u => u.Uf).HasMaxLength(2);
        user.Property(u => u.Rqe).HasMaxLength(10);
        user.Property(u => u.Specialty).HasMaxLength(100);
        user.Ignore(u => u.MfaEnabled);
    }
}
