using System.Diagnostics;
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
/// <c>workflowProgress</c> messages as the worker moves the post. Only the author may join.
/// </summary>
public sealed class LiveHub(CmsDbContext db, LiveMetrics metrics) : Hub
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

/// <summary>Pushes progress to the post's view group.</summary>
public sealed class LiveNotifier(IHubContext<LiveHub> hub)
{
    public Task PublishAsync(WorkflowProgress progress, CancellationToken cancellationToken) =>
        hub.Clients.Group(LiveHub.GroupOf(progress.PostId)).SendAsync(LiveHub.ProgressMethod, progress, cancellationToken);
}
