using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthcareCms.Api.Data;

/// <summary>Whether this process has seen the database schema at the version it was built for.</summary>
public sealed class DatabaseMigrationState
{
    private volatile bool _ready;

    public bool IsReady => _ready;

    public void MarkReady() => _ready = true;
}

internal sealed class DatabaseMigrationHealthCheck(DatabaseMigrationState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.IsReady
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The database schema is not migrated yet."));
}

/// <summary>
/// The dedicated migration step. In development the Api applies its migrations at start-up, retrying
/// while PostgreSQL comes up; in production a Kubernetes Job runs the same step once per release with
/// <c>--migrate-only</c> and the replicas only wait for it (<see cref="DatabaseMigrationWaiter"/>).
/// </summary>
internal sealed partial class DatabaseMigrator(
    IServiceProvider services, DatabaseMigrationState state, ILogger<DatabaseMigrator> logger) : BackgroundService
{
    public const string MigrateOnlyArgument = "--migrate-only";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await MigrateWithRetryAsync(services, logger, stoppingToken);
        state.MarkReady();
    }

    public static async Task<int> RunOnceAsync(IServiceProvider services)
    {
        var logger = services.GetRequiredService<ILogger<DatabaseMigrator>>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await MigrateWithRetryAsync(services, logger, timeout.Token);
            return 0;
        }
        catch (OperationCanceledException)
        {
            LogGaveUp(logger);
            return 1;
        }
    }

    private static async Task MigrateWithRetryAsync(IServiceProvider services, ILogger logger, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<CmsDbContext>();
                await db.Database.MigrateAsync(cancellationToken);
                LogMigrated(logger, attempt);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && IsTransient(ex))
            {
                LogRetrying(logger, attempt, delay.TotalSeconds, ex.GetType().Name);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    /// <summary>Only "the database is not reachable (yet)" is retried; a real migration error (a failing statement,
    /// a permission, pending model changes) fails the start-up or the Job at once, with its cause.</summary>
    private static bool IsTransient(Exception ex) => DatabaseUnavailableHandler.IsUnavailable(ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is up to date (attempt {Attempt})")]
    private static partial void LogMigrated(ILogger logger, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database not ready (attempt {Attempt}, {ErrorType}); retrying in {DelaySeconds} s")]
    private static partial void LogRetrying(ILogger logger, int attempt, double delaySeconds, string errorType);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gave up migrating the database")]
    private static partial void LogGaveUp(ILogger logger);
}

/// <summary>Replicas that do not migrate wait until the release's migration Job has run.</summary>
internal sealed class DatabaseMigrationWaiter(IServiceProvider services, DatabaseMigrationState state) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<CmsDbContext>();
                var pending = await db.Database.GetPendingMigrationsAsync(stoppingToken);
                if (!pending.Any())
                {
                    state.MarkReady();
                    return;
                }
            }
            catch (Exception ex) when (DatabaseUnavailableHandler.IsUnavailable(ex))
            {
                // The database is not reachable yet: readiness stays unhealthy and we look again.
            }

            await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
        }
    }
}
