using Npgsql;

namespace HealthcareCms.Workflows.Queue;

/// <summary>
/// Runs <see cref="QueueOptions.Workers"/> claim loops once the schema is migrated. Each loop claims a
/// job, processes it, and otherwise waits for a <c>workflow_jobs</c> notification or the poll interval.
/// On shutdown the loops stop claiming and finish the job in hand (see <see cref="JobProcessor"/>).
/// </summary>
internal sealed partial class WorkflowWorker(
    JobQueue queue, JobProcessor processor, JobSignal signal, SchemaState schema, ILogger<WorkflowWorker> logger) : BackgroundService
{
    /// <summary>Identifies this process in <c>lease_owner</c>: host, process id and loop (no personal data).</summary>
    public static string LeaseOwner(int loop) => $"{Environment.MachineName}:{Environment.ProcessId}:{loop}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await schema.WaitAsync(stoppingToken);
        await Task.WhenAll(Enumerable.Range(0, Math.Max(1, queue.Options.Workers))
            .Select(loop => Task.Run(() => RunLoopAsync(LeaseOwner(loop), stoppingToken), CancellationToken.None)));
    }

    public async Task RunLoopAsync(string owner, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await queue.ClaimAsync(owner, stoppingToken) is { } job)
                {
                    await processor.ProcessAsync(job, stoppingToken);
                }
                else
                {
                    await signal.WaitAsync(queue.Options.PollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                LogClaimFailed(logger, ex.GetType().Name);
                await Task.Delay(queue.Options.PollInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not claim a workflow job ({ErrorType}); retrying")]
    private static partial void LogClaimFailed(ILogger logger, string errorType);
}
