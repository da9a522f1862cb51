using System.Security.Claims;
using HealthcareCms.Api.Identity;
using HealthcareCms.ServiceDefaults.Security;

namespace HealthcareCms.Api.Gateway;

/// <summary>Signs the caller's identity for the internal services (CONTRACTS §5).</summary>
public sealed class GatewayIdentitySigner(byte[] key, TimeProvider time)
{
    /// <returns>The assertion header value, or null when the caller has no authenticated subject and role.</returns>
    public string? Sign(ClaimsPrincipal user)
    {
        var subject = user.FindFirst(CmsClaims.Subject)?.Value;
        var role = user.FindFirst(CmsClaims.Role)?.Value;
        if (user.Identity?.IsAuthenticated != true || string.IsNullOrEmpty(subject) || string.IsNullOrEmpty(role))
        {
            return null;
        }

        return IdentityAssertion.Create(key, role, subject, time.GetUtcNow() + IdentityAssertion.Lifetime);
    }

    /// <summary>The Api's own identity (role <see cref="GatewayRoles.Service"/>) for its calls that act for no user,
    /// such as the dependency checks of <c>/api/status</c>.</summary>
    public string SignService() =>
        IdentityAssertion.Create(key, GatewayRoles.Service, ServiceSubject, time.GetUtcNow() + IdentityAssertion.Lifetime);

    public const string ServiceSubject = "api";
}

/// <summary>
/// What the gateway does to the headers of a request it forwards: every client-sent
/// <c>x-healthcare-identity*</c> header is removed (from the incoming request and from the outgoing one),
/// the client's credentials (<c>Authorization</c>, <c>Cookie</c>) stay at the gateway, and the caller's
/// identity is re-issued as a signed assertion.
/// </summary>
public static class GatewayIdentity
{
    private static readonly string[] CredentialHeaders = ["Authorization", "Cookie"];

    public static void StripIncoming(HttpRequest request)
    {
        foreach (var name in request.Headers.Keys.Where(IsIdentityHeader).ToArray())
        {
            request.Headers.Remove(name);
        }
    }

    public static void Apply(ClaimsPrincipal user, HttpRequestMessage proxyRequest, GatewayIdentitySigner signer)
    {
        foreach (var name in proxyRequest.Headers.Select(h => h.Key).Where(IsIdentityHeader).ToArray())
        {
            proxyRequest.Headers.Remove(name);
        }

        if (proxyRequest.Content is not null)
        {
            foreach (var name in proxyRequest.Content.Headers.Select(h => h.Key).Where(IsIdentityHeader).ToArray())
            {
                proxyRequest.Content.Headers.Remove(name);
            }
        }

        foreach (var name in CredentialHeaders)
        {
            proxyRequest.Headers.Remove(name);
        }

        if (signer.Sign(user) is { } assertion)
        {
            proxyRequest.Headers.TryAddWithoutValidation(IdentityAssertion.HeaderName, assertion);
        }
    }

    private static bool IsIdentityHeader(string name) =>
        name.StartsWith(IdentityAssertion.HeaderPrefix, StringComparison.OrdinalIgnoreCase);
}
