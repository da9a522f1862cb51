using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace HealthcareCms.Api.Audit;

/// <summary>
/// Every access refused by a route's authorization policy (403) is audited as <c>deny</c> before the
/// default forbid answer, with the resource type taken from the route and the route's <c>id</c>.
/// Object-level refusals inside handlers are audited by the handlers themselves.
/// </summary>
internal sealed class AuditingAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private static readonly (string Prefix, string ResourceType)[] ResourceTypesByPath =
    [
        ("/api/posts", "post"),
        ("/api/audit", "audit_log"),
        ("/api/lgpd", "lgpd_request"),
        ("/api/subscribers", "subscriber"),
        ("/api/users", "user"),
        ("/api/auth", "session"),
        ("/api/me", "session"),
        ("/api/workflows", "workflow"),
        ("/live", "workflow"),
    ];

    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden)
        {
            var path = context.Request.Path.Value ?? "";
            var resourceType = path.Contains("/patient-consents", StringComparison.Ordinal)
                ? "patient_consent"
                : ResourceTypesByPath.FirstOrDefault(r => path.StartsWith(r.Prefix, StringComparison.OrdinalIgnoreCase)).ResourceType ?? "policy";
            var resourceId = context.Request.RouteValues.TryGetValue("id", out var id) ? id?.ToString() : null;
            await context.RequestServices.GetRequiredService<RequestAuditor>()
                .RecordAsync(resourceType, resourceId, "deny", AuditOutcomes.Denied, context.RequestAborted);
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
