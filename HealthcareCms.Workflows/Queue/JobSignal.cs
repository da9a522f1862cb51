using Npgsql;

namespace HealthcareCms.Workflows.Queue;

/// <summary>Wakes idle claim loops: set by <c>NOTIFY workflow_jobs</c>; loops also poll as a fallback.</summary>
public sealed class JobSignal
{
    private readonly SemaphoreSlim _semaphore = new(0, int.MaxValue);

    public void Set(int waiters)
    {
        if (_semaphore.CurrentCount < waiters)
        {
            _semaphore.Release();
        }
    }

    /// <summary>Waits for a notification or the poll interval, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan pollInterval, CancellationToken cancellationToken) =>
        _semaphore.WaitAsync(pollInterval, cancellationToken);
}

/// <summary>Keeps one connection <c>LISTEN</c>ing on <c>workflow_jobs</c>, reconnecting after a failure.</summary>
internal sealed partial class JobNotificationListener(
    NpgsqlDataSource dataSource, JobSignal signal, QueueOptions options, SchemaState schema, ILogger<JobNotificationListener> logger)
    : BackgroundService
{
    public const string Channel = "workflow_jobs";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await schema.WaitAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => signal.Set(options.Workers);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.IO.IOException)
            {
                LogListenFailed(logger, ex.GetType().Name);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "LISTEN workflow_jobs failed ({ErrorType}); polling until it reconnects")]
    private static partial void LogListenFailed(ILogger logger, string errorType);
}
