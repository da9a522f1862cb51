using HealthcareCms.Api.Access;
using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using HealthcareCms.Api.Audit;
using HealthcareCms.Api.Content;
using HealthcareCms.Api.Data;
using HealthcareCms.Api.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace HealthcareCms.Api.Lgpd;

public static class LgpdApi
{
    public const int MaxNameLength = 200;
    public const int MaxEmailLength = 320;

    public static IHostApplicationBuilder AddLgpd(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<LgpdOptions>(builder.Configuration.GetSection(LgpdOptions.SectionName));
        builder.Services.AddScoped<ConsentLedger>();
        builder.Services.AddScoped<IEmailSender, OutboxEmailSender>();
        builder.Services.AddScoped<DataSubjectRequestService>();
        builder.Services.AddHostedService<DataSubjectDeadlineMonitor>();
        return builder;
    }

    public static IEndpointRouteBuilder MapLgpdApi(this IEndpointRouteBuilder app)
    {
        var subscribers = app.MapGroup("/api/subscribers").WithTags("LGPD").AuditedAs("subscriber");

        subscribers.MapPost("", CreateSubscriber)
            .WithName("CreateSubscriber")
            .WithSummary("Subscribe to the newsletter with explicit consents per purpose (public).");

        subscribers.MapDelete("/{id:guid}/consents/{purpose}", RevokeConsent)
            .WithName("RevokeConsent")
            .WithSummary("Revoke one consent in one call (public: the subscriber id is the unsubscribe capability).");

        subscribers.MapPost("/{id:guid}/messages", SendSubscriberMessage)
            .RequireAuthorization(Policies.EditorOrAdmin)
            .RequireAccess(ResourceTypes.SubscriberData, "process", AccessAudit.Refusals)
            .WithName("SendSubscriberMessage")
            .WithSummary("Process a subscriber's data for a purpose (send a message); refused without current consent.");

        var requests = app.MapGroup("/api/lgpd/requests").WithTags("LGPD").AuditedAs("lgpd_request");

        requests.MapPost("", CreateRequest)
            .WithName("CreateDataSubjectRequest")
            .WithSummary("A data subject asks to exercise an Art. 18 right (public); a confirmation token is emailed.");

        requests.MapPost("/{id:guid}/confirm", ConfirmRequest)
            .WithName("ConfirmDataSubjectRequest")
            .WithSummary("The subject proves control of the email with the token; the request is then executed and answered.");

        requests.MapGet("", ListRequests)
            .RequireAuthorization(Policies.DpoOrAdmin)
            .WithName("ListDataSubjectRequests")
            .WithSummary("Data-subject requests with their deadlines, newest first (DPO or admin).")
            .RequireAccess(ResourceTypes.LgpdRequest, "list");

        requests.MapGet("/overdue", OverdueReport)
            .RequireAuthorization(Policies.DpoOrAdmin)
            .WithName("OverdueDataSubjectRequests")
            .WithSummary("Open requests past their 15-day deadline, oldest first (DPO or admin).")
            .RequireAccess(ResourceTypes.LgpdRequest, "list");

        return app;
    }

    public static async Task<Results<Created<SubscriberCreated>, ValidationProblem, ProblemHttpResult>> CreateSubscriber(
        CreateSubscriberRequest request, CmsDbContext db, ConsentLedger ledger, RequestAuditor auditor, ComplianceMetrics metrics,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
        {
            errors["name"] = [$"name is required, at most {MaxNameLength} characters."];
        }

        var email = NormalizeEmail(request.Email);
        if (email is null)
        {
            errors["email"] = ["email must be a valid address."];
        }

        var purposes = (request.Consents ?? []).Distinct().ToList();
        if (purposes.Any(p => !ConsentPurposes.All.Contains(p)))
        {
            errors["consents"] = [$"consents must be purposes from: {string.Join(", ", ConsentPurposes.All)}."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (await db.Subscribers.AnyAsync(s => s.Email == email, cancellationToken))
        {
            return AlreadySubscribed();
        }

        var subscriber = new Subscriber { Id = Guid.CreateVersion7(), Name = name, Email = email, CreatedAt = time.GetUtcNow() };
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Subscribers.Add(subscriber);
        foreach (var purpose in purposes)
        {
            ledger.Append(subscriber.Id, purpose, ConsentActions.Grant, ConsentChannels.WebForm);
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            return AlreadySubscribed();
        }

        await auditor.RecordAsync("subscriber", subscriber.Id.ToString(), "create", AuditOutcomes.Success, cancellationToken);
        foreach (var _ in purposes)
        {
            await auditor.RecordAsync("consent", subscriber.Id.ToString(), "grant", AuditOutcomes.Success, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        foreach (var _ in purposes)
        {
            metrics.LgpdEvent(LgpdEventTypes.ConsentGranted);
        }

        return TypedResults.Created($"/api/subscribers/{subscriber.Id}", new SubscriberCreated(subscriber.Id, purposes));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeConsent(
        Guid id, string purpose, CmsDbContext db, ConsentLedger ledger, RequestAuditor auditor, ComplianceMetrics metrics,
        CancellationToken cancellationToken)
    {
        if (!ConsentPurposes.All.Contains(purpose))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unknown purpose.",
                detail: $"purpose must be one of: {string.Join(", ", ConsentPurposes.All)}.");
        }

        if (!await db.Subscribers.AnyAsync(s => s.Id == id && s.AnonymisedAt == null, cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: "No such subscriber.");
        }

        if (!(await ledger.CurrentPurposesAsync(id, cancellationToken)).Contains(purpose))
        {
            return TypedResults.NoContent();
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        ledger.Append(id, purpose, ConsentActions.Revoke, ConsentChannels.Api);
        await db.SaveChangesAsync(cancellationToken);
        await auditor.RecordAsync("consent", id.ToString(), "revoke", AuditOutcomes.Success, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        metrics.LgpdEvent(LgpdEventTypes.ConsentRevoked);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Accepted<MessageQueued>, ValidationProblem, ProblemHttpResult>> SendSubscriberMessage(
        Guid id, SubscriberMessageRequest request, CmsDbContext db, ConsentLedger ledger, IEmailSender email, RequestAuditor auditor,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Purpose is null || !ConsentPurposes.All.Contains(request.Purpose))
        {
            errors["purpose"] = [$"purpose must be one of: {string.Join(", ", ConsentPurposes.All)}."];
        }

        if (string.IsNullOrWhiteSpace(request.Subject) || request.Subject.Length > 200)
        {
            errors["subject"] = ["subject is required, at most 200 characters."];
        }

        if (string.IsNullOrWhiteSpace(request.Body) || request.Body.Length > 20_000)
        {
            errors["body"] = ["body is required, at most 20000 characters."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var subscriber = await db.Subscribers.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id && s.Email != null, cancellationToken);
        if (subscriber is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: "No such subscriber.");
        }

        try
        {
            await ledger.RequireConsentAsync(id, request.Purpose!, cancellationToken);
        }
        catch (ConsentRequiredException ex)
        {
            await auditor.RecordAsync("subscriber", id.ToString(), "read", AuditOutcomes.Denied, cancellationToken);
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "No consent for this purpose.",
                detail: $"The subscriber has not consented to '{ex.Purpose}' (or revoked it); the data is not processed.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await email.QueueAsync(subscriber.Email!, request.Subject!, request.Body!, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await auditor.RecordAsync("subscriber", id.ToString(), "read", AuditOutcomes.Success, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Accepted((string?)null, new MessageQueued(id, request.Purpose!));
    }

    public static async Task<Results<Accepted<DataSubjectRequestAccepted>, ValidationProblem>> CreateRequest(
        CreateDataSubjectRequest request, DataSubjectRequestService service, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Type is null || !DataSubjectRequestTypes.All.Contains(request.Type))
        {
            errors["type"] = [$"type must be one of: {string.Join(", ", DataSubjectRequestTypes.All)}."];
        }

        var email = NormalizeEmail(request.Email);
        if (email is null)
        {
            errors["email"] = ["email must be a valid address."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        // The same answer whether or not the address is known: nothing is disclosed before confirmation.
        var created = await service.CreateAsync(request.Type!, email!, cancellationToken);
        return TypedResults.Accepted($"/api/lgpd/requests/{created.Id}", new DataSubjectRequestAccepted(created.Id, created.DueAt));
    }

    public static async Task<Results<Ok<DataSubjectRequestCompleted>, ValidationProblem, ProblemHttpResult>> ConfirmRequest(
        Guid id, ConfirmDataSubjectRequest body, CmsDbContext db, DataSubjectRequestService service, RequestAuditor auditor,
        CancellationToken cancellationToken)
    {
        var request = await db.DataSubjectRequests.SingleOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (request is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: "No such request.");
        }

        if (string.IsNullOrEmpty(body.Token) || !TokenMatches(body.Token, request.TokenHash))
        {
            await auditor.RecordAsync("lgpd_request", request.Id.ToString(), "verify", AuditOutcomes.Denied, cancellationToken);
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Invalid confirmation token.",
                detail: "The token does not match the one emailed for this request.");
        }

        if (request.State == DataSubjectRequestStates.Completed)
        {
            return AlreadyCompleted();
        }

        var name = body.Name?.Trim();
        if (request.Type == DataSubjectRequestTypes.Correction && (string.IsNullOrEmpty(name) || name.Length > MaxNameLength))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["name"] = [$"A correction needs the corrected name (at most {MaxNameLength} characters)."],
            });
        }

        if (await service.ExecuteAsync(request, name, cancellationToken) is not { } result)
        {
            return AlreadyCompleted(); // by a concurrent confirmation
        }

        return TypedResults.Ok(new DataSubjectRequestCompleted(request.Id, request.Type, request.State, request.CompletedAt!.Value, result));
    }

    public static async Task<Results<Ok<PagedResult<DataSubjectRequestView>>, ValidationProblem>> ListRequests(
        CmsDbContext db, TimeProvider time, CancellationToken cancellationToken, int page = 1, int pageSize = ContentApi.DefaultPageSize)
    {
        if (Paging.Validate(page, pageSize, ContentApi.MaxPageSize) is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var now = time.GetUtcNow();
        var all = db.DataSubjectRequests.AsNoTracking();
        var total = await all.CountAsync(cancellationToken);
        var items = await all.OrderByDescending(r => r.CreatedAt).ThenBy(r => r.Id)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(r => new DataSubjectRequestView(r.Id, r.Type, r.State, r.CreatedAt, r.DueAt, r.CompletedAt,
                r.State != DataSubjectRequestStates.Completed && r.DueAt < now))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new PagedResult<DataSubjectRequestView>(items, page, pageSize, total));
    }

    public static async Task<Results<Ok<PagedResult<DataSubjectRequestView>>, ValidationProblem>> OverdueReport(
        CmsDbContext db, DataSubjectRequestService service, TimeProvider time, CancellationToken cancellationToken,
        int page = 1, int pageSize = ContentApi.DefaultPageSize)
    {
        if (Paging.Validate(page, pageSize, ContentApi.MaxPageSize) is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }

        await service.ReportOverdueAsync(cancellationToken);
        var now = time.GetUtcNow();
        var overdue = db.DataSubjectRequests.AsNoTracking()
            .Where(r => r.State != DataSubjectRequestStates.Completed && r.DueAt < now);
        var total = await overdue.CountAsync(cancellationToken);
        var items = await overdue.OrderBy(r => r.DueAt).ThenBy(r => r.Id)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(r => new DataSubjectRequestView(r.Id, r.Type, r.State, r.CreatedAt, r.DueAt, r.CompletedAt, true))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new PagedResult<DataSubjectRequestView>(items, page, pageSize, total));
    }

    public static string? NormalizeEmail(string? email)
    {
        var trimmed = email?.Trim();
        return !string.IsNullOrEmpty(trimmed) && trimmed.Length <= MaxEmailLength
            && MailAddress.TryCreate(trimmed, out var address) && address.Address == trimmed && trimmed.Contains('.', StringComparison.Ordinal)
            ? trimmed.ToLowerInvariant()
            : null;
    }

    private static ProblemHttpResult AlreadyCompleted() =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Already completed.",
            detail: "This request was already confirmed and answered.");

    private static ProblemHttpResult AlreadySubscribed() =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Already subscribed.",
            detail: "This address is already subscribed; use a data-subject request to see or change its data.");

    private static bool TokenMatches(string token, string expectedHash) =>
        CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(DataSubjectRequestService.HashToken(token)), Encoding.ASCII.GetBytes(expectedHash));
}
