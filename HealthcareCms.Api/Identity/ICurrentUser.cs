using System.Security.Claims;

namespace HealthcareCms.Api.Identity;

/// <summary>The caller, read from the validated access token (CONTRACTS §1).</summary>
public interface ICurrentUser
{
    bool IsAuthenticated { get; }

    /// <summary>The user id (<c>sub</c>); <see cref="Guid.Empty"/> when anonymous.</summary>
    Guid Id { get; }

    string? Role { get; }

    /// <summary>Whether this session passed TOTP (<c>amr</c> contains <c>mfa</c>).</summary>
    bool HasMfa { get; }

    /// <summary>The session (refresh-token family) id, <c>sid</c>.</summary>
    Guid SessionId { get; }

    DateTimeOffset? SessionStartedAt { get; }
}

internal sealed class HttpContextCurrentUser(IHttpContextAccessor accessor) : ICurrentUser
{
    private ClaimsPrincipal? User => accessor.HttpContext?.User;

    public bool IsAuthenticated => User?.Identity?.IsAuthenticated == true;

    public Guid Id => IsAuthenticated && Guid.TryParse(User!.FindFirstValue(CmsClaims.Subject), out var id) ? id : Guid.Empty;

    public string? Role => IsAuthenticated ? User!.FindFirstValue(CmsClaims.Role) : null;

    public bool HasMfa => IsAuthenticated && User!.HasClaim(CmsClaims.AuthenticationMethods, CmsClaims.MfaMethod);

    public Guid SessionId => IsAuthenticated && Guid.TryParse(User!.FindFirstValue(CmsClaims.SessionId), out var id) ? id : Guid.Empty;

    public DateTimeOffset? SessionStartedAt =>
        IsAuthenticated && long.TryParse(User!.FindFirstValue(CmsClaims.AuthTime), out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}
