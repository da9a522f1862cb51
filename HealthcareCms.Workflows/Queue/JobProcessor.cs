using System.Text.Json;
using HealthcareCms.Workflows.Pipeline;
using Npgsql;

namespace HealthcareCms.Workflows.Queue;

/// <summary>
/// Processes one claimed job: renews its lease while it runs, runs the pipeline, and writes the result
/// conditionally on still holding the lease. Shutdown while a job is held (only possible during the
/// development hold) releases the lease at once; a crash leaves it to expire.
/// </summary>
public sealed partial class JobProcessor(
    JobQueue queue, ValidationPipeline pipeline, WorkflowMetrics metrics, ILogger<JobProcessor> logger)
{
    public async Task ProcessAsync(ClaimedJob job, CancellationToken stoppingToken)
    {
        var options = queue.Options;
        using var leaseLost = new CancellationTokenSource();
        using var renewalStop = new CancellationTokenSource();
        var renewal = RenewLeaseAsync(job, leaseLost, renewalStop.Token);
        try
        {
            if (job.Attempts > options.MaxAttempts)
            {
                // Claimed again after its lease expired on every attempt: a job that kills its worker.
                await FinishAsync(job, "lease_expired: the job's lease expired on every attempt", [], permanent: true);
                return;
            }

            WorkflowDocument document;
            try
            {
                document = new WorkflowDocument(WorkflowPayload.Parse(job.Payload));
            }
            catch (JsonException)
            {
                await FinishAsync(job, "payload_invalid: the payload is not the contract's JSON", [], permanent: true);
                return;
            }

            var run = await Task.Run(() => pipeline.Run(document), CancellationToken.None);

            if (options.HoldMarker is { Length: > 0 } marker && job.Attempts == 1
                && document.Payload.Title?.Contains(marker, StringComparison.Ordinal) == true)
            {
                using var hold = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, leaseLost.Token);
                await Task.Delay(options.HoldDuration, hold.Token);
            }

            if (leaseLost.IsCancellationRequested)
            {
                LogLeaseLost(logger, job.Id);
                return;
            }

            if (run.HasError)
            {
                await FinishAsync(job, run.ErrorSummary, run.Stages, permanent: false);
            }
            else if (await Bounded(options, ct => queue.CompleteAsync(job, run.Outcome, run.Stages, ct)))
            {
                LogCompleted(logger, job.Id, job.Attempts, run.Outcome);
            }
            else
            {
                LogLeaseLost(logger, job.Id);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            var released = await Bounded(options, ct => queue.ReleaseAsync(job, ct));
            LogReleased(logger, job.Id, released);
        }
        catch (OperationCanceledException) when (leaseLost.IsCancellationRequested)
        {
            LogLeaseLost(logger, job.Id);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // The result could not be written: the lease expires and the job is claimed again.
            LogWriteFailed(logger, job.Id, ex.GetType().Name);
        }
        finally
        {
            await renewalStop.CancelAsync();
            await renewal;
        }

        async Task FinishAsync(ClaimedJob claimed, string error, IReadOnlyList<StageOutcome> stages, bool permanent)
        {
            var disposition = await Bounded(options, ct => queue.FailAsync(claimed, error, stages, permanent, ct));
            if (disposition == AttemptDisposition.DeadLettered)
            {
                if (permanent)
                {
                    metrics.DeadLettered(MedicalCategories.Normalize(claimed.MedicalCategory));
                }

                LogDeadLettered(logger, claimed.Id, claimed.Attempts, JobQueue.ErrorClassOf(error));
            }
            else if (disposition == AttemptDisposition.Retried)
            {
                LogRetrying(logger, claimed.Id, claimed.Attempts, JobQueue.ErrorClassOf(error), options.Backoff(claimed.Attempts).TotalSeconds);
            }
            else
            {
                LogLeaseLost(logger, claimed.Id);
            }
        }
    }

    /// <summary>Writes are not cut short by shutdown (finishing the job is the point), only bounded.</summary>
    private static async Task<T> Bounded<T>(QueueOptions options, Func<CancellationToken, Task<T>> write)
    {
        using var timeout = new CancellationTokenSource(options.ShutdownTimeout);
        return await write(timeout.Token);
    }

    private async Task RenewLeaseAsync(ClaimedJob job, CancellationTokenSource leaseLost, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(queue.Options.LeaseRenewalInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    if (!await queue.RenewLeaseAsync(job, stop))
                    {
                        await leaseLost.CancelAsync();
                        return;
                    }
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                {
                    LogRenewalFailed(logger, job.Id, ex.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The job finished: renewal stops.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow job {JobId} completed on attempt {Attempt}: {Outcome}")]
    private static partial void LogCompleted(ILogger logger, Guid jobId, int attempt, string outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow job {JobId} attempt {Attempt} failed ({ErrorClass}); retrying in {DelaySeconds} s")]
    private static partial void LogRetrying(ILogger logger, Guid jobId, int attempt, string errorClass, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Workflow job {JobId} dead-lettered after attempt {Attempt} ({ErrorClass})")]
    private static partial void LogDeadLettered(ILogger logger, Guid jobId, int attempt, string errorClass);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow job {JobId}: lease lost, another worker owns it now; nothing written")]
    private static partial void LogLeaseLost(ILogger logger, Guid jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow job {JobId} handed back at shutdown (released: {Released})")]
    private static partial void LogReleased(ILogger logger, Guid jobId, bool released);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow job {JobId}: could not write the result ({ErrorType}); the lease will expire and the job run again")]
    private static partial void LogWriteFailed(ILogger logger, Guid jobId, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow job {JobId}: lease renewal failed ({ErrorType})")]
    private static partial void LogRenewalFailed(ILogger logger, Guid jobId, string errorType);
}
