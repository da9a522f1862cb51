using System.Diagnostics;
using HealthcareCms.Api.Access;
using HealthcareCms.Api.Audit;
using HealthcareCms.Api.Content;
using HealthcareCms.Api.Data;
using HealthcareCms.Api.Identity;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace HealthcareCms.Api.Live;

/// <summary>What the author sees move: the post's status and its workflow job's state.</summary>
public sealed record WorkflowProgress(Guid PostId, string Status, int Version, string? JobState, string? Outcome);

/// <summary>
/// <c>/live</c>: authenticated clients join a post's workflow view (<see cref="JoinPostWorkflow"/>) and get
/// <c>workflowProgress</c> messages as the worker moves the post. Only the author may join, and each join is
/// decided by the policy service (<c>post_draft</c> read), failing closed: the session and the subject's standing
/// are read again for the join (a connection outlives the request that opened it), the context is the connect
/// request's.
/// </summary>
public sealed class LiveHub(
    CmsDbContext db, IAccessDecider decider, RequestAuditor auditor, IServiceProvider services, LiveMetrics metrics) : Hub
{
    public const string Path = "/live";
    public const string ProgressMethod = "workflowProgress";

    public static string GroupOf(Guid postId) => $"post-workflow:{postId:N}";

    /// <summary>Joins the post's workflow view and returns its current state.</summary>
    public async Task<WorkflowProgress> JoinPostWorkflow(Guid postId)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var userId = Guid.TryParse(Context.User?.FindFirst(CmsClaims.Subject)?.Value, out var id) ? id : Guid.Empty;
            var post = await db.Posts.AsNoTracking().SingleOrDefaultAsync(p => p.Id == postId, Context.ConnectionAborted);
            if (post is null || userId == Guid.Empty || post.AuthorId != userId)
            {
                throw new HubException("No such post among yours.");
            }

            if (Context.GetHttpContext() is not { } http
                || !await SubjectStanding.CheckSessionAsync(http, Context.User!, services, Context.ConnectionAborted))
            {
                throw new HubException("The session has ended.");
            }

            var decision = await decider.DecideAsync(
                new AccessRequest(ResourceTypes.PostDraft, "read", post.Id.ToString(), post.AuthorId), Context.ConnectionAborted);
            if (!decision.Allowed)
            {
                await auditor.RecordAsync("post", post.Id.ToString(), "read",
                    decision.FailureReason is null ? AuditOutcomes.Denied : AuditOutcomes.Failure, Context.ConnectionAborted, decision.DecisionId);
                throw new HubException(decision.FailureReason is { } failure
                    ? $"No access decision could be had ({failure}); the join is refused (fail closed)."
                    : $"Access denied by policy: {string.Join(", ", decision.Reasons)}.");
            }

            var job = post.WorkflowJobId is { } jobId
                ? await db.WorkflowJobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, Context.ConnectionAborted)
                : null;
            await Groups.AddToGroupAsync(Context.ConnectionId, GroupOf(postId), Context.ConnectionAborted);
            metrics.Mounted(LiveMetrics.PostWorkflowView, Stopwatch.GetElapsedTime(started));
            return new WorkflowProgress(post.Id, post.Status, post.Version, job?.State, job?.Outcome);
        }
        catch (Exception)
        {
            metrics.MountFailed(LiveMetrics.PostWorkflowView);
            throw;
        }
    }
}

/// <summary>
/// Pushes progress to the post's view group on this replica. Progress travels between replicas as
/// <c>NOTIFY post_progress</c> (sent in the transaction that moves the post, so it is delivered on commit, to
/// every replica's listener): whichever replica applied the outcome, the author's connection gets it.
/// </summary>
public sealed class LiveNotifier(IHubContext<LiveHub> hub)
{
    public const string Channel = "post_progress";

    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web);

    public static string Payload(WorkflowProgress progress) => System.Text.Json.JsonSerializer.Serialize(progress, Json);

    /// <summary>The progress in a notification's payload; null when it is not one (never trusted blindly).</summary>
    public static WorkflowProgress? Parse(string payload)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<WorkflowProgress>(payload, Json) is { PostId: var id, Status.Length: > 0 } progress
                   && id != Guid.Empty
                ? progress
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public Task PublishAsync(WorkflowProgress progress, CancellationToken cancellationToken) =>
        hub.Clients.Group(LiveHub.GroupOf(progress.PostId)).SendAsync(LiveHub.ProgressMethod, progress, cancellationToken);
}
