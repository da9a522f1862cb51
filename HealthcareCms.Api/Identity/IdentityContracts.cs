using System.Text.Json.Serialization;

namespace HealthcareCms.Api.Identity;

// Request bodies reject unknown fields (400), so a misspelt field is never silently ignored.

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record LoginRequest(string? Email, string? Password, string? Totp);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RefreshRequest(string? RefreshToken);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record MfaVerifyRequest(string? Code);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateUserRequest(
    string? Email,
    string? Password,
    string? DisplayName,
    string? Role,
    string? Crm = null,
    string? Uf = null,
    string? Rqe = null,
    string? Specialty = null);

/// <summary><paramref name="ExpiresIn"/>: access-token lifetime in seconds.</summary>
public sealed record TokenResponse(string AccessToken, int ExpiresIn, string RefreshToken);

public sealed record MfaEnrollment(string Secret, string OtpauthUri);

public sealed record UserResponse(
    Guid Id,
    string Email,
    string DisplayName,
    string Role,
    string? Crm,
    string? Uf,
    string? Rqe,
    string? Specialty,
    bool MfaEnabled,
    bool Disabled,
    DateTimeOffset CreatedAt)
{
    public static UserResponse From(User user) => new(
        user.Id, user.Email, user.DisplayName, user.Role, user.Crm, user.Uf, user.Rqe, user.Specialty,
        user.MfaEnabled, user.IsDisabled, user.CreatedAt);
}

/// <summary>The caller's profile and session: no password or MFA material.</summary>
/// <param name="Amr">The session's authentication methods.</param>
/// <param name="PhiCapable">Whether this session may reach PHI (PHI role and MFA passed).</param>
public sealed record MeResponse(
    Guid Id,
    string Email,
    string DisplayName,
    string Role,
    string? Crm,
    string? Uf,
    string? Rqe,
    string? Specialty,
    bool MfaEnabled,
    IReadOnlyList<string> Amr,
    bool PhiCapable,
    Guid SessionId,
    DateTimeOffset? SessionStartedAt);
