using HealthcareCms.Api.Audit;
using HealthcareCms.Api.Data;
using HealthcareCms.Api.Live;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace HealthcareCms.Api.Content;

/// <summary>
/// Moves posts as their workflow jobs progress (CONTRACTS §4): job <c>running</c> → post <c>in_review</c>;
/// job <c>completed</c> with an outcome → <c>approved</c> / <c>changes_requested</c>. Reacts to
/// <c>NOTIFY workflow_progress</c> at once and polls every 2 s as a fallback. Idempotent and safe with
/// several replicas: a post moves only while its current job is the one seen and its version unchanged.
/// The move notifies <c>post_progress</c> in its transaction; every replica listens on the same connection and
/// pushes the progress to its own live-hub clients (<see cref="LiveNotifier"/>).
/// </summary>
internal sealed partial class WorkflowOutcomeApplier(
    IServiceProvider services, IConfiguration configuration, DatabaseMigrationState migrations, LiveNotifier live,
    ILogger<WorkflowOutcomeApplier> logger) : BackgroundService
{
    public const string Channel = "workflow_progress";
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!migrations.IsReady)
                {
                    await Task.Delay(PollInterval, stoppingToken);
                    continue;
                }

                await using var connection = new NpgsqlConnection(configuration.GetConnectionString(DatabaseExtensions.ConnectionName));
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) => OnNotification(e, stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}; LISTEN {LiveNotifier.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                while (!stoppingToken.IsCancellationRequested)
                {
                    await ApplyPendingAsync(stoppingToken);
                    await connection.WaitAsync(PollInterval, stoppingToken);
                }
            }
            // Any failure of one pass (database down, an audit write refused, a conflicting update) is retried on the
            // next: a background loop that throws would stop the whole Api. Only shutdown ends the loop.
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The database being away is expected and said at Debug; anything else is a fault worth a Warning.
                if (DatabaseUnavailableHandler.IsUnavailable(ex is AuditWriteException ? ex.InnerException : ex))
                {
                    LogRetrying(logger, ex.GetType().Name);
                }
                else
                {
                    LogPassFailed(logger, ex.GetType().Name);
                }

                await Task.Delay(PollInterval, stoppingToken);
            }
        }
    }

    /// <summary>A <c>post_progress</c> notification (from any replica's move) is pushed to this replica's live clients.</summary>
    private void OnNotification(NpgsqlNotificationEventArgs notification, CancellationToken cancellationToken)
    {
        if (notification.Channel != LiveNotifier.Channel || LiveNotifier.Parse(notification.Payload) is not { } progress)
        {
            return;
        }

        _ = live.PublishAsync(progress, cancellationToken).ContinueWith(
            task => LogPushFailed(logger, task.Exception!.InnerException?.GetType().Name ?? "unknown"),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    /// <summary>Applies every job state not yet reflected on its post; returns how many posts moved.</summary>
    public async Task<int> ApplyPendingAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CmsDbContext>();
        var pending = await (
                from post in db.Posts
                where post.Status == PostStatus.Submitted || post.Status == PostStatus.InReview
                join job in db.WorkflowJobs on post.WorkflowJobId equals job.Id
                where job.State == WorkflowJobStates.Running || (job.State == WorkflowJobStates.Completed && job.Outcome != null)
                select new { PostId = post.Id, JobId = job.Id, job.State, job.Outcome })
            .AsNoTracking()
            .ToListAsync(cancellationToken);

        var moved = 0;
        foreach (var item in pending)
        {
            var target = item.State == WorkflowJobStates.Running
                ? PostStatus.InReview
                : item.Outcome == "approved" ? PostStatus.Approved : PostStatus.ChangesRequested;
            if (await ApplyAsync(item.PostId, item.JobId, target, item.State, item.Outcome, cancellationToken))
            {
                moved++;
            }
        }

        return moved;
    }

    private async Task<bool> ApplyAsync(Guid postId, Guid jobId, string target, string jobState, string? outcome, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CmsDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<IAuditTrail>();
        var time = scope.ServiceProvider.GetRequiredService<TimeProvider>();

        var post = await db.Posts.SingleOrDefaultAsync(p => p.Id == postId && p.WorkflowJobId == jobId, cancellationToken);
        if (post is null || post.Status == target || !post.TryMoveTo(target, time.GetUtcNow()))
        {
            return false;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return false;
        }

        await audit.RecordAsync(new AuditEntry("workflow", jobId.ToString(), "update", AuditOutcomes.Success, null, null, null, null), cancellationToken);
        // Delivered on commit to every replica's listener, this one's included (OnNotification).
        var progress = LiveNotifier.Payload(new WorkflowProgress(post.Id, post.Status, post.Version, jobState, outcome));
        await db.Database.ExecuteSqlAsync($"SELECT pg_notify({LiveNotifier.Channel}, {progress})", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogApplied(logger, target);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow progress applied: post moved to {Status}")]
    private static partial void LogApplied(ILogger logger, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pushing workflow progress to live clients failed ({ErrorType})")]
    private static partial void LogPushFailed(ILogger logger, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Applying workflow progress failed ({ErrorType}); retrying on the next pass")]
    private static partial void LogPassFailed(ILogger logger, string errorType);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Workflow progress listener interrupted ({ErrorType}); reconnecting")]
    private static partial void LogRetrying(ILogger logger, string errorType);
}
