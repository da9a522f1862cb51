using HealthcareCms.Api.Access;
using HealthcareCms.Api.Content;
using HealthcareCms.Api.Data;
using HealthcareCms.Api.Identity;
using HealthcareCms.ServiceDefaults;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace HealthcareCms.Api.Audit;

public sealed record AuditAgent(Guid? Who, string? Role, string? Network);

public sealed record AuditEntity(string Type, string? Id);

/// <summary>An audit record in the shape of FHIR AuditEvent (recorded, action, outcome, agent, entity, source).</summary>
public sealed record AuditEventView(
    long Id,
    DateTimeOffset Recorded,
    string Action,
    string FhirAction,
    string Outcome,
    AuditAgent Agent,
    AuditEntity Entity,
    string Source,
    string? RequestId,
    string? DecisionId,
    string PreviousHash,
    string Hash);

public sealed record AuditQuery(
    string? ResourceType, string? ResourceId, string? Action, string? Outcome, Guid? UserId,
    DateTimeOffset? From, DateTimeOffset? To);

public static class AuditApi
{
    public static IHostApplicationBuilder AddAuditTrail(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ComplianceMetrics>().ResolveAtStart<ComplianceMetrics>();
        builder.Services.AddScoped<IAuditTrail, ChainedAuditTrail>();
        builder.Services.AddScoped<RequestAuditor>();
        builder.Services.AddScoped<AuditVerifier>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, AuditingAuthorizationResultHandler>();
        return builder;
    }

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var audit = app.MapGroup("/api/audit").WithTags("Audit").AuditedAs("audit_log").RequireAuthorization(Policies.DpoOrAdmin);

        // Role first (ASP.NET policy), then a policy decision per request (MFA, trusted network, trust score);
        // the enforcement filter audits the access with the decision id.
        audit.MapGet("", ListAuditEvents)
            .WithName("ListAuditEvents")
            .WithSummary("Audit records (FHIR AuditEvent fields), newest first, filtered and paged. DPO or admin.")
            .RequireAccess(ResourceTypes.AuditLog, "list");

        audit.MapGet("/verify", VerifyAuditChain)
            .WithName("VerifyAuditChain")
            .WithSummary("Recomputes the hash chain and reports the first record altered, removed or out of place.")
            // The handler records the verification (its outcome) with the allow's decision id: one entry, not two.
            .RequireAccess(ResourceTypes.AuditLog, "verify", AccessAudit.Refusals);

        return app;
    }

    public static async Task<Results<Ok<PagedResult<AuditEventView>>, ValidationProblem>> ListAuditEvents(
        [AsParameters] AuditQuery query, CmsDbContext db, CancellationToken cancellationToken,
        int page = 1, int pageSize = ContentApi.DefaultPageSize)
    {
        if (Paging.Validate(page, pageSize, ContentApi.MaxPageSize) is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var records = db.AuditLog.AsNoTracking();
        if (query.ResourceType is not null)
        {
            records = records.Where(r => r.ResourceType == query.ResourceType);
        }

        if (query.ResourceId is not null)
        {
            records = records.Where(r => r.ResourceId == query.ResourceId);
        }

        if (query.Action is not null)
        {
            records = records.Where(r => r.Action == query.Action);
        }

        if (query.Outcome is not null)
        {
            records = records.Where(r => r.Outcome == query.Outcome);
        }

        if (query.UserId is not null)
        {
            records = records.Where(r => r.UserId == query.UserId);
        }

        if (query.From is not null)
        {
            records = records.Where(r => r.OccurredAt >= query.From);
        }

        if (query.To is not null)
        {
            records = records.Where(r => r.OccurredAt < query.To);
        }

        var total = await records.CountAsync(cancellationToken);
        var items = await records
            .OrderByDescending(r => r.Id)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(r => new AuditEventView(
                r.Id, r.OccurredAt, r.Action, r.FhirAction, r.Outcome,
                new AuditAgent(r.UserId, r.UserRole, r.SourceIp),
                new AuditEntity(r.ResourceType, r.ResourceId),
                r.Observer, r.RequestId, r.DecisionId, r.PreviousHash, r.Hash))
            .ToListAsync(cancellationToken);

        return TypedResults.Ok(new PagedResult<AuditEventView>(items, page, pageSize, total));
    }

    public static async Task<Ok<AuditVerification>> VerifyAuditChain(
        AuditVerifier verifier, RequestAuditor auditor, CancellationToken cancellationToken)
    {
        var result = await verifier.VerifyAsync(cancellationToken);
        // The access was audited by the enforcement filter; this entry records the verification's result.
        await auditor.RecordAsync("audit_log", null, "verify",
            result.Valid ? AuditOutcomes.Success : AuditOutcomes.Failure, cancellationToken);
        return TypedResults.Ok(result);
    }
}
