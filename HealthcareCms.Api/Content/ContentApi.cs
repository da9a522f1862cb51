using System.Diagnostics;
using System.Text.Json;
using HealthcareCms.Api.Access;
using HealthcareCms.Api.Audit;
using HealthcareCms.Api.Data;
using HealthcareCms.Api.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace HealthcareCms.Api.Content;

public static class ContentApi
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;
    public const int MaxTitleLength = 200;
    public const int MaxBodyLength = 100_000;

    private const string AuditPost = "post";
    private static readonly ActivitySource Activity = new("HealthcareCms.Content");
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapContentApi(this IEndpointRouteBuilder app)
    {
        var posts = app.MapGroup("/api/posts").WithTags("Posts").AuditedAs(AuditPost);

        posts.MapGet("", ListPublishedPosts)
            .WithName("ListPublishedPosts")
            .WithSummary("Published posts, newest first, paged as {items, page, pageSize, total}.");

        posts.MapPost("", CreatePost)
            .RequireAuthorization(Policies.Physician)
            .WithName("CreatePost")
            .WithSummary("A physician starts a draft post.");

        posts.MapGet("/{id:guid}", GetPost)
            .WithName("GetPost")
            .WithSummary("One post: published posts for anyone; other statuses for the author and staff (never drafts of others).");

        posts.MapPut("/{id:guid}", UpdatePost)
            .RequireAuthorization(Policies.Physician)
            .WithName("UpdatePost")
            .WithSummary("The author edits a draft (or a post with changes requested); the previous text is kept as a revision.");

        posts.MapGet("/{id:guid}/revisions", ListRevisions)
            .RequireAuthorization(Policies.Authenticated)
            .WithName("ListPostRevisions")
            .WithSummary("The texts a post had before each edit, newest first.");

        posts.MapPost("/{id:guid}/submit", SubmitPost)
            .RequireAuthorization(Policies.Physician)
            .WithName("SubmitPost")
            .WithSummary("The author hands the post to the validation workflow (202; the job is queued atomically).");

        posts.MapGet("/{id:guid}/workflow", GetWorkflow)
            .RequireAuthorization(Policies.Authenticated)
            .WithName("GetPostWorkflow")
            .WithSummary("The latest workflow run of the post: job status, stage results and findings.");

        posts.MapPost("/{id:guid}/publish", PublishPost)
            .RequireAuthorization(Policies.EditorOrAdmin)
            .WithName("PublishPost")
            .WithSummary("An editor or admin publishes an approved post.");

        posts.MapPost("/{id:guid}/archive", ArchivePost)
            .RequireAuthorization(Policies.EditorOrAdmin)
            .WithName("ArchivePost")
            .WithSummary("An editor or admin archives an approved, changes-requested or published post.");

        return app;
    }

    public static async Task<Results<Ok<PagedResult<PublishedPostSummary>>, ValidationProblem>> ListPublishedPosts(
        CmsDbContext db, CancellationToken cancellationToken, int page = 1, int pageSize = DefaultPageSize)
    {
        if (Paging.Validate(page, pageSize, MaxPageSize) is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var published = db.Posts.AsNoTracking().Where(p => p.Status == PostStatus.Published);
        var total = await published.CountAsync(cancellationToken);
        var items = await published
            .OrderByDescending(p => p.PublishedAt).ThenBy(p => p.Id)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(p => new PublishedPostSummary(p.Id, p.Title, p.MedicalCategory, p.PublishedAt!.Value))
            .ToListAsync(cancellationToken);

        return TypedResults.Ok(new PagedResult<PublishedPostSummary>(items, page, pageSize, total));
    }

    public static async Task<Results<Created<PostDetails>, ValidationProblem, ProblemHttpResult>> CreatePost(
        CreatePostRequest request, CmsDbContext db, ICurrentUser user, RequestAuditor auditor, TimeProvider time,
        HttpContext context, CancellationToken cancellationToken)
    {
        if (await DecideDraftAsync(context, "create", null, user.Id, cancellationToken) is { } refusal)
        {
            return refusal;
        }

        if (Validate(request.Title, request.Body, request.MedicalCategory) is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }

        using var activity = Activity.StartActivity("post.create");
        var now = time.GetUtcNow();
        var post = new Post
        {
            Id = Guid.CreateVersion7(),
            Title = request.Title!.Trim(),
            Body = request.Body!,
            MedicalCategory = request.MedicalCategory!,
            Status = PostStatus.Draft,
            AuthorId = user.Id,
            CreatedAt = now,
            UpdatedAt = now,
        };

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Posts.Add(post);
        await db.SaveChangesAsync(cancellationToken);
        await auditor.RecordAsync(AuditPost, post.Id.ToString(), "create", AuditOutcomes.Success, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        return TypedResults.Created($"/api/posts/{post.Id}", PostDetails.From(post));
    }

    public static async Task<Results<Ok<PostDetails>, ProblemHttpResult>> GetPost(
        Guid id, CmsDbContext db, ICurrentUser user, HttpContext context, CancellationToken cancellationToken)
    {
        var post = await db.Posts.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (post is null || !PostAccess.CanSee(post, user))
        {
            return PostProblems.NotFound();
        }

        // A published post is public content, served without a decision (also while the policy service is down).
        if (post.Status != PostStatus.Published
            && await DecideDraftAsync(context, post, "read", cancellationToken, AccessAudit.EveryAccess) is { } refusal)
        {
            return refusal;
        }

        return TypedResults.Ok(PostDetails.From(post));
    }

    public static async Task<Results<Ok<PostDetails>, ValidationProblem, ProblemHttpResult>> UpdatePost(
        Guid id, UpdatePostRequest request, CmsDbContext db, ICurrentUser user, RequestAuditor auditor, TimeProvider time,
        HttpContext context, CancellationToken cancellationToken)
    {
        var post = await db.Posts.SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (post is null || !PostAccess.CanSee(post, user))
        {
            return PostProblems.NotFound();
        }

        // The free local rule first: a non-author is refused without a policy round trip.
        if (!PostAccess.IsAuthor(post, user))
        {
            await auditor.RecordAsync(AuditPost, post.Id.ToString(), "update", AuditOutcomes.Denied, cancellationToken);
            return PostProblems.Forbidden("Only the author edits a post.");
        }

        if (await DecideDraftAsync(context, post, "update", cancellationToken) is { } refusal)
        {
            return refusal;
        }

        var errors = Validate(request.Title, request.Body, request.MedicalCategory) ?? [];
        if (request.Version is null)
        {
            errors["version"] = ["version is required: send the version of the post you read."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (request.Version != post.Version)
        {
            return PostProblems.StaleVersion(post.Version);
        }

        if (!PostStatus.IsEditable(post.Status))
        {
            return PostProblems.Conflict("The post cannot be edited now.",
                $"A post in status '{post.Status}' is not editable; only '{PostStatus.Draft}' and '{PostStatus.ChangesRequested}' are.");
        }

        using var activity = Activity.StartActivity("post.update");
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.PostRevisions.Add(new PostRevision
        {
            Id = Guid.CreateVersion7(),
            PostId = post.Id,
            Version = post.Version,
            Title = post.Title,
            Body = post.Body,
            MedicalCategory = post.MedicalCategory,
            EditedBy = user.Id,
            CreatedAt = now,
        });
        post.Title = request.Title!.Trim();
        post.Body = request.Body!;
        post.MedicalCategory = request.MedicalCategory!;
        post.Version++;
        post.UpdatedAt = now;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return PostProblems.StaleVersion(null);
        }

        await auditor.RecordAsync(AuditPost, post.Id.ToString(), "update", AuditOutcomes.Success, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(PostDetails.From(post));
    }

    public static async Task<Results<Ok<PagedResult<PostRevisionView>>, ValidationProblem, ProblemHttpResult>> ListRevisions(
        Guid id, CmsDbContext db, ICurrentUser user, HttpContext context, CancellationToken cancellationToken,
        int page = 1, int pageSize = DefaultPageSize)
    {
        if (Paging.Validate(page, pageSize, MaxPageSize) is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var post = await db.Posts.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (post is null || !PostAccess.CanSeeHistory(post, user))
        {
            return PostProblems.NotFound();
        }

        // The history is never public content (earlier texts may hold what the LGPD stage sent back): decided and audited.
        if (await DecideDraftAsync(context, post, "read", cancellationToken, AccessAudit.EveryAccess) is { } refusal)
        {
            return refusal;
        }

        var revisions = db.PostRevisions.AsNoTracking().Where(r => r.PostId == id);
        var total = await revisions.CountAsync(cancellationToken);
        var items = await revisions
            .OrderByDescending(r => r.Version)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(r => new PostRevisionView(r.Version, r.Title, r.Body, r.MedicalCategory, r.EditedBy, r.CreatedAt))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new PagedResult<PostRevisionView>(items, page, pageSize, total));
    }

    public static async Task<Results<Accepted<SubmissionAccepted>, ProblemHttpResult>> SubmitPost(
        Guid id, CmsDbContext db, ICurrentUser user, RequestAuditor auditor, WorkflowHandOff handOff, TimeProvider time,
        HttpContext context, CancellationToken cancellationToken)
    {
        var post = await db.Posts.SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (post is null || !PostAccess.CanSee(post, user))
        {
            return PostProblems.NotFound();
        }

        if (!PostAccess.IsAuthor(post, user))
        {
            await auditor.RecordAsync(AuditPost, post.Id.ToString(), "submit", AuditOutcomes.Denied, cancellationToken);
            return PostProblems.Forbidden("Only the author submits a post.");
        }

        if (await DecideDraftAsync(context, post, "submit", cancellationToken) is { } refusal)
        {
            return refusal;
        }

        var from = post.Status;
        if (!post.TryMoveTo(PostStatus.Submitted, time.GetUtcNow()))
        {
            return PostProblems.InvalidTransition(from, PostStatus.Submitted);
        }

        using var activity = Activity.StartActivity("post.submit");
        activity?.SetTag("post.medical_category", post.MedicalCategory);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var jobId = await handOff.EnqueueAsync(post, cancellationToken);
        post.WorkflowJobId = jobId;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return PostProblems.StaleVersion(null);
        }

        await auditor.RecordAsync(AuditPost, post.Id.ToString(), "submit", AuditOutcomes.Success, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Accepted($"/api/posts/{post.Id}/workflow", new SubmissionAccepted(post.Id, post.Version, post.Status, jobId));
    }

    public static async Task<Results<Ok<WorkflowView>, ProblemHttpResult>> GetWorkflow(
        Guid id, CmsDbContext db, ICurrentUser user, HttpContext context, CancellationToken cancellationToken)
    {
        var post = await db.Posts.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (post is null || !PostAccess.CanSee(post, user))
        {
            return PostProblems.NotFound();
        }

        if (post.Status != PostStatus.Published && await DecideDraftAsync(context, post, "read", cancellationToken) is { } refusal)
        {
            return refusal;
        }

        if (post.WorkflowJobId is not { } jobId
            || await db.WorkflowJobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, cancellationToken) is not { } job)
        {
            return PostProblems.NotFound("The post has not been submitted to the workflow.");
        }

        var stages = await db.WorkflowStageResults.AsNoTracking()
            .Where(r => r.JobId == jobId)
            .ToListAsync(cancellationToken);
        var views = stages
            .OrderBy(s => StageOrder(s.Stage)).ThenBy(s => s.Stage, StringComparer.Ordinal)
            .Select(s => new WorkflowStageView(s.Stage, s.Result,
                string.IsNullOrEmpty(s.Findings) ? [] : JsonSerializer.Deserialize<List<WorkflowFinding>>(s.Findings, JsonOptions) ?? []))
            .ToList();
        return TypedResults.Ok(new WorkflowView(job.State, job.Outcome, views));
    }

    public static Task<Results<Ok<PostDetails>, ProblemHttpResult>> PublishPost(
        Guid id, CmsDbContext db, ICurrentUser user, RequestAuditor auditor, TimeProvider time, HttpContext context,
        CancellationToken cancellationToken) =>
        MoveByStaffAsync(id, PostStatus.Published, "publish", db, user, auditor, time, context, cancellationToken);

    public static Task<Results<Ok<PostDetails>, ProblemHttpResult>> ArchivePost(
        Guid id, CmsDbContext db, ICurrentUser user, RequestAuditor auditor, TimeProvider time, HttpContext context,
        CancellationToken cancellationToken) =>
        MoveByStaffAsync(id, PostStatus.Archived, "archive", db, user, auditor, time, context, cancellationToken);

    private static async Task<Results<Ok<PostDetails>, ProblemHttpResult>> MoveByStaffAsync(
        Guid id, string target, string action, CmsDbContext db, ICurrentUser user, RequestAuditor auditor, TimeProvider time,
        HttpContext context, CancellationToken cancellationToken)
    {
        var post = await db.Posts.SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (post is null || !PostAccess.CanSee(post, user))
        {
            return PostProblems.NotFound();
        }

        if (await DecideDraftAsync(context, post, action, cancellationToken) is { } refusal)
        {
            return refusal;
        }

        var from = post.Status;
        if (!post.TryMoveTo(target, time.GetUtcNow()))
        {
            return PostProblems.InvalidTransition(from, target);
        }

        using var activity = Activity.StartActivity("post." + action);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return PostProblems.StaleVersion(null);
        }

        await auditor.RecordAsync(AuditPost, post.Id.ToString(), action, AuditOutcomes.Success, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(PostDetails.From(post));
    }

    /// <summary>
    /// Asks the policy service for <c>post_draft</c> <paramref name="action"/> on the post (its id and author; for a
    /// new post, the caller as its owner-to-be). Called after the object rule that answers 404 (<see cref="PostAccess"/>),
    /// so a refusal never reveals a post the caller cannot see. Refusals are audited with their decision id. An
    /// allowed change is audited by the handler (its entry carries the allow's id); an allowed read of a draft's text or
    /// of a post's history is an entry of its own (<see cref="AccessAudit.EveryAccess"/>): a draft may still hold what
    /// the LGPD stage will send back. The workflow view (stage results, no text) audits refusals only.
    /// </summary>
    private static Task<ProblemHttpResult?> DecideDraftAsync(
        HttpContext context, Post post, string action, CancellationToken cancellationToken, AccessAudit audit = AccessAudit.Refusals) =>
        DecideDraftAsync(context, action, post.Id.ToString(), post.AuthorId, cancellationToken, audit);

    private static Task<ProblemHttpResult?> DecideDraftAsync(
        HttpContext context, string action, string? postId, Guid ownerId, CancellationToken cancellationToken,
        AccessAudit audit = AccessAudit.Refusals) =>
        AccessEnforcement.EnforceAsync(context, new AccessRequest(ResourceTypes.PostDraft, action, postId, ownerId), cancellationToken, audit);

    private static int StageOrder(string stage) => stage switch
    {
        "lgpd" => 0,
        "medical" => 1,
        "cfm" => 2,
        _ => 3,
    };

    private static Dictionary<string, string[]>? Validate(string? title, string? body, string? medicalCategory)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(title) || title.Trim().Length > MaxTitleLength)
        {
            errors["title"] = [$"title is required, at most {MaxTitleLength} characters."];
        }

        if (string.IsNullOrWhiteSpace(body) || body.Length > MaxBodyLength)
        {
            errors["body"] = [$"body (Markdown) is required, at most {MaxBodyLength} characters."];
        }

        if (!MedicalCategories.IsValid(medicalCategory))
        {
            errors["medicalCategory"] = [$"medicalCategory must be one of: {string.Join(", ", MedicalCategories.All)}."];
        }

        return errors.Count == 0 ? null : errors;
    }
}

public static class Paging
{
    public static Dictionary<string, string[]>? Validate(int page, int pageSize, int maxPageSize)
    {
        var errors = new Dictionary<string, string[]>();
        if (page < 1)
        {
            errors["page"] = ["page must be 1 or more."];
        }

        if (pageSize < 1 || pageSize > maxPageSize)
        {
            errors["pageSize"] = [$"pageSize must be between 1 and {maxPageSize}."];
        }

        return errors.Count == 0 ? null : errors;
    }
}

/// <summary>RFC 7807 answers shared by the post endpoints.</summary>
public static class PostProblems
{
    public static ProblemHttpResult NotFound(string detail = "No such post.") =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: detail);

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.", detail: detail);

    public static ProblemHttpResult Conflict(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);

    public static ProblemHttpResult InvalidTransition(string from, string to) =>
        Conflict("Invalid status transition.", $"A post in status '{from}' cannot move to '{to}'.");

    public static ProblemHttpResult StaleVersion(int? current) =>
        Conflict("The post was changed by someone else.",
            current is null ? "Read the post again and retry." : $"The current version is {current}; read the post again and retry.");
}
