using HealthcareCms.Api.Audit;
using HealthcareCms.Api.Identity;
using HealthcareCms.ServiceDefaults.Correlation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HealthcareCms.Api.Access;

/// <summary>What the enforcement point writes to the audit trail for an access it decided.</summary>
public enum AccessAudit
{
    /// <summary>Every access, allowed or refused, is an audit entry of its own (reads of audited data).</summary>
    EveryAccess,

    /// <summary>Only refusals: the handler records the allowed access itself (its change, with the resource id),
    /// and <see cref="RequestAuditor"/> puts the decision id (<see cref="GrantedAccess"/>) on that entry.</summary>
    Refusals,
}

/// <summary>The allow decision of the current request, set by the enforcement point for the handler's audit entry.</summary>
public sealed record GrantedAccess(string? DecisionId);

/// <summary>
/// Turns a decision into the HTTP answer of a protected route: no authenticated subject → 401, denied → 403,
/// no decision (fail closed) → 503 naming the reason, all as ProblemDetails. Accesses are audited (when an
/// <see cref="IAuditTrail"/> is registered) with the decision id, as <see cref="AccessAudit"/> says.
/// </summary>
public static class AccessEnforcement
{
    /// <returns>null when the access is allowed; otherwise the problem to answer with.</returns>
    public static async Task<ProblemHttpResult?> EnforceAsync(
        HttpContext context, AccessRequest request, CancellationToken cancellationToken, AccessAudit audit = AccessAudit.EveryAccess)
    {
        if (context.User.Identity?.IsAuthenticated != true)
        {
            return TypedResults.Problem(title: "Authentication is required.", statusCode: StatusCodes.Status401Unauthorized);
        }

        var decider = context.RequestServices.GetRequiredService<IAccessDecider>();
        var decision = await decider.DecideAsync(request, cancellationToken);
        if (decision.Allowed)
        {
            context.Features.Set(new GrantedAccess(decision.DecisionId));
        }

        // No decision (fail closed) is a failure, a decision to deny a denial: the same outcomes the PHI routes record.
        var outcome = decision.Allowed ? AuditOutcomes.Success
            : decision.FailureReason is not null ? AuditOutcomes.Failure : AuditOutcomes.Denied;
        if (!decision.Allowed || audit == AccessAudit.EveryAccess)
        {
            await AuditAsync(context, request, outcome, decision.DecisionId, cancellationToken);
        }

        if (decision.FailureReason is { } failure)
        {
            return TypedResults.Problem(
                title: "No access decision could be had; the request is refused (fail closed).",
                detail: $"The policy service did not decide: {failure}.",
                statusCode: StatusCodes.Status503ServiceUnavailable,
                extensions: new Dictionary<string, object?> { ["failureReason"] = failure });
        }

        if (!decision.Allowed)
        {
            return TypedResults.Problem(
                title: "Access denied by policy.",
                statusCode: StatusCodes.Status403Forbidden,
                extensions: new Dictionary<string, object?> { ["decisionId"] = decision.DecisionId, ["reasons"] = decision.Reasons });
        }

        return null;
    }

    /// <summary>Writes the access to the audit trail (when one is registered): who, from where, which request, the decision id.</summary>
    public static Task AuditAsync(HttpContext context, AccessRequest request, string outcome, string? decisionId, CancellationToken cancellationToken)
    {
        var audit = context.RequestServices.GetService<IAuditTrail>();
        if (audit is null)
        {
            return Task.CompletedTask;
        }

        var user = context.User;
        return audit.RecordAsync(new AuditEntry(
            AuditResourceType(request.ResourceType),
            request.ResourceId,
            AuditAction(request.Action),
            outcome,
            Guid.TryParse(user.FindFirst(CmsClaims.Subject)?.Value, out var userId) ? userId : null,
            user.FindFirst(CmsClaims.Role)?.Value,
            context.Connection.RemoteIpAddress?.ToString(),
            RequestCorrelation.Current?.RequestId,
            decisionId), cancellationToken);
    }

    /// <summary>The audit trail's resource type (MetricCatalog.Values.AuditResourceTypes) of a policy resource type.</summary>
    public static string AuditResourceType(string resourceType) => resourceType switch
    {
        ResourceTypes.PostPublic or ResourceTypes.PostDraft => "post",
        ResourceTypes.UserAdmin => "user",
        ResourceTypes.PolicyAdmin => "policy",
        ResourceTypes.WorkflowStatus => "workflow",
        ResourceTypes.SubscriberData => "subscriber",
        _ => resourceType,
    };

    /// <summary>The audit trail's action (MetricCatalog.Values.AuditActions) of a policy action.</summary>
    public static string AuditAction(string action) => action switch
    {
        "list" or "process" => "read",
        "write" => "update",
        "revoke" or "complete" or "disable" => "update",
        _ => action,
    };
}

/// <summary>An endpoint filter that asks for a decision before the handler runs (resource id: the route's <c>{id}</c>).</summary>
public sealed class AccessEndpointFilter(string resourceType, string action, AccessAudit audit) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        // The route's {id}, when it has one, names the resource (for the decision and the audit entry).
        var resourceId = http.GetRouteValue("id")?.ToString();
        var refusal = await AccessEnforcement.EnforceAsync(http, new AccessRequest(resourceType, action, resourceId), http.RequestAborted, audit);
        return refusal ?? await next(context);
    }
}

public static class AccessEndpointExtensions
{
    /// <summary>Protects a route (or group) that needs no per-object owner check: every request asks the
    /// policy service for <paramref name="action"/> on <paramref name="resourceType"/> (one of <see cref="ResourceTypes"/>).</summary>
    public static TBuilder RequireAccess<TBuilder>(
        this TBuilder builder, string resourceType, string action, AccessAudit audit = AccessAudit.EveryAccess)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(new AccessEndpointFilter(resourceType, action, audit))
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
}
