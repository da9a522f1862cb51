using System.Reflection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace HealthcareCms.Workflows.Queue;

/// <summary>Whether this process has applied (or seen) every migration of the <c>workflow</c> schema.</summary>
public sealed class SchemaState
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsReady => _ready.Task.IsCompleted;

    /// <summary>Completes when the schema is ready; the queue workers wait for it before claiming.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    public void MarkReady() => _ready.TrySetResult();
}

internal sealed class SchemaHealthCheck(SchemaState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.IsReady
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The workflow schema is not migrated yet."));
}

/// <summary>One versioned SQL file embedded in the assembly (<c>Queue/Schema/NNNN_name.sql</c>).</summary>
public sealed record SchemaMigration(int Version, string Name, string Sql);

/// <summary>
/// Applies the embedded SQL migrations of the <c>workflow</c> schema, in version order, each recorded in
/// <c>workflow.schema_migrations</c>. Everything runs in one transaction holding a transaction-level
/// advisory lock, so two workers starting together apply each migration exactly once (the second waits,
/// then finds nothing to do). DDL is transactional in PostgreSQL: a failed migration leaves no trace.
/// </summary>
public static partial class SchemaMigrator
{
    /// <summary>Advisory lock key: "workflow" schema migrations (any constant unique in this database).</summary>
    public const long LockKey = 0x77_6B_66_6C_6F_77_01;

    private const string ResourcePrefix = "HealthcareCms.Workflows.Queue.Schema.";

    public static IReadOnlyList<SchemaMigration> Embedded { get; } = LoadEmbedded();

    /// <summary>Applies the pending migrations; returns how many were applied.</summary>
    public static async Task<int> MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({LockKey})", cancellationToken);
        await Execute(connection, transaction, """
            CREATE SCHEMA IF NOT EXISTS workflow;
            CREATE TABLE IF NOT EXISTS workflow.schema_migrations (
                version    int         PRIMARY KEY,
                name       text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """, cancellationToken);

        var applied = new HashSet<int>();
        await using (var select = new NpgsqlCommand("SELECT version FROM workflow.schema_migrations", connection, transaction))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add(reader.GetInt32(0));
            }
        }

        var count = 0;
        foreach (var migration in Embedded.Where(m => !applied.Contains(m.Version)))
        {
            await Execute(connection, transaction, migration.Sql, cancellationToken);
            await using var record = new NpgsqlCommand(
                "INSERT INTO workflow.schema_migrations (version, name) VALUES ($1, $2)", connection, transaction);
            record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = migration.Version });
            record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = migration.Name });
            await record.ExecuteNonQueryAsync(cancellationToken);
            count++;
        }

        await transaction.CommitAsync(cancellationToken);
        return count;
    }

    /// <summary>Migrates, retrying with backoff while the database is not reachable yet.</summary>
    public static async Task MigrateWithRetryAsync(NpgsqlDataSource dataSource, ILogger logger, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var applied = await MigrateAsync(dataSource, cancellationToken);
                LogMigrated(logger, applied, attempt);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException
                                       && !cancellationToken.IsCancellationRequested)
            {
                LogRetrying(logger, attempt, delay.TotalSeconds, ex.GetType().Name);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static SchemaMigration[] LoadEmbedded()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var file = n[ResourcePrefix.Length..^".sql".Length];
                var separator = file.IndexOf('_', StringComparison.Ordinal);
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream);
                return new SchemaMigration(int.Parse(file[..separator], System.Globalization.CultureInfo.InvariantCulture),
                    file[(separator + 1)..], reader.ReadToEnd());
            })
            .OrderBy(m => m.Version)
            .ToArray();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow schema is up to date: {Applied} migration(s) applied (attempt {Attempt})")]
    private static partial void LogMigrated(ILogger logger, int applied, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database not ready for the workflow schema (attempt {Attempt}, {ErrorType}); retrying in {DelaySeconds} s")]
    private static partial void LogRetrying(ILogger logger, int attempt, double delaySeconds, string errorType);
}

/// <summary>Applies the schema at start-up; readiness stays unhealthy until it is applied.</summary>
internal sealed class SchemaMigrationService(NpgsqlDataSource dataSource, SchemaState state, ILogger<SchemaMigrationService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await SchemaMigrator.MigrateWithRetryAsync(dataSource, logger, stoppingToken);
        state.MarkReady();
    }
}
