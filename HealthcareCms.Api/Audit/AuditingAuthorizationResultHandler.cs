using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace HealthcareCms.Api.Audit;

/// <summary>The audit trail's resource type (MetricCatalog.Values.AuditResourceTypes) of a route or group's refusals.</summary>
public sealed record AuditedResource(string Type);

public static class AuditedResourceExtensions
{
    /// <summary>Names the audit resource type under which the routes' authorization refusals (403) are recorded.</summary>
    public static TBuilder AuditedAs<TBuilder>(this TBuilder builder, string resourceType)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AuditedResource(resourceType));
}

/// <summary>
/// Every access refused by a route's authorization policy (403) is audited as <c>deny</c> before the
/// default forbid answer, with the resource type the route declares (<see cref="AuditedResource"/>, set with
/// <c>.AuditedAs(...)</c> on each route group) and the route's <c>id</c>. Object-level refusals inside handlers,
/// and the policy decisions' refusals, are audited where they happen.
/// </summary>
internal sealed partial class AuditingAuthorizationResultHandler(ILogger<AuditingAuthorizationResultHandler> logger)
    : IAuthorizationMiddlewareResultHandler
{
    /// <summary>Recorded when a refusing route declares no resource type (a defect: every role-guarded group declares one).</summary>
    public const string Undeclared = "unknown";

    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden)
        {
            var resourceType = context.GetEndpoint()?.Metadata.GetMetadata<AuditedResource>()?.Type;
            if (resourceType is null)
            {
                LogUndeclared(logger);
            }

            var resourceId = context.Request.RouteValues.TryGetValue("id", out var id) ? id?.ToString() : null;
            await context.RequestServices.GetRequiredService<RequestAuditor>()
                .RecordAsync(resourceType ?? Undeclared, resourceId, "deny", AuditOutcomes.Denied, context.RequestAborted);
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A route refused by its authorization policy declares no audited resource type")]
    private static partial void LogUndeclared(ILogger logger);
}
