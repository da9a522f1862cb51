namespace HealthcareCms.Workflows.Queue;

/// <summary>The latest queue figures, read by the gauges without touching the database.</summary>
public sealed class QueueHealthSnapshot
{
    private volatile QueueHealth _current = QueueHealth.Empty;

    public QueueHealth Current => _current;

    public void Update(QueueHealth health) => _current = health;
}

/// <summary>Refreshes the queue figures every <see cref="QueueOptions.HealthRefreshInterval"/>: one query, whatever the scrape rate.</summary>
internal sealed partial class QueueHealthMonitor(
    JobQueue queue, QueueHealthSnapshot snapshot, SchemaState schema, ILogger<QueueHealthMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await schema.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(queue.Options.HealthRefreshInterval);
        do
        {
            try
            {
                snapshot.Update(await queue.GetHealthAsync(stoppingToken));
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                LogRefreshFailed(logger, ex.GetType().Name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not refresh the workflow queue figures ({ErrorType})")]
    private static partial void LogRefreshFailed(ILogger logger, string errorType);
}
