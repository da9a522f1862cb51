using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HealthcareCms.Api.Identity;

/// <summary>
/// A login session = one refresh-token family (the <c>sid</c> claim). Every authenticated request checks
/// its row by primary key, so revoking it (logout, reuse detection, account disabled) ends the session's
/// access tokens at once on every replica.
/// </summary>
public sealed class Session
{
    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    /// <summary>When the password was checked (the <c>auth_time</c> claim).</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Absolute end: the session never outlives it, however often it is refreshed.</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Whether a TOTP code was verified at login (<c>amr</c> carries <c>mfa</c>).</summary>
    public bool Mfa { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>One of <see cref="SessionRevocation"/>.</summary>
    public string? RevocationReason { get; set; }
}

public static class SessionRevocation
{
    public const string Logout = "logout";
    public const string RefreshTokenReuse = "refresh_token_reuse";
    public const string AccountDisabled = "account_disabled";
}

/// <summary>A refresh token: opaque to the client, stored only as its SHA-256. Single use.</summary>
public sealed class RefreshToken
{
    public Guid Id { get; set; }

    public Guid SessionId { get; set; }

    public required byte[] TokenHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Set when exchanged; presenting it again is reuse, which revokes the family.</summary>
    public DateTimeOffset? UsedAt { get; set; }
}

internal sealed class SessionConfiguration : IEntityTypeConfiguration<Session>
{
    public void Configure(EntityTypeBuilder<Session> session)
    {
        session.ToTable("sessions");
        session.HasKey(s => s.Id);
        session.HasIndex(s => s.UserId);
        session.Property(s => s.RevocationReason).HasMaxLength(40);
        session.HasOne<User>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class RefreshTokenConfiguration : IEntityTypeConfiguration<RefreshToken>
{
    public void Configure(EntityTypeBuilder<RefreshToken> token)
    {
        token.ToTable("refresh_tokens");
        token.HasKey(t => t.Id);
        token.HasIndex(t => t.TokenHash).IsUnique();
        token.HasIndex(t => t.SessionId);
        token.HasOne<Session>().WithMany().HasForeignKey(t => t.SessionId).OnDelete(DeleteBehavior.Cascade);
    }
}
