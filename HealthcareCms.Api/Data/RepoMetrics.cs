using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using HealthcareCms.ServiceDefaults.Telemetry;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace HealthcareCms.Api.Data;

/// <summary>
/// The seed's <c>healthcare_cms.repo.query.*</c> instruments. Tags are the table (<c>source</c>, from the
/// closed set of <see cref="MetricCatalog.Values.DbTables"/>) and the command kind; never SQL text or parameters.
/// </summary>
public sealed class RepoMetrics
{
    private readonly ContractHistogram _total;
    private readonly ContractHistogram _query;
    private readonly ContractHistogram _decode;
    private readonly ContractHistogram _queue;
    private readonly ContractCounter _count;

    public RepoMetrics(IMeterFactory meterFactory)
    {
        var meter = new ContractMeter(meterFactory, MetricCatalog.Meters.Repo);
        _total = meter.Histogram("healthcare_cms.repo.query.total_time");
        _query = meter.Histogram("healthcare_cms.repo.query.query_time");
        _decode = meter.Histogram("healthcare_cms.repo.query.decode_time");
        _queue = meter.Histogram("healthcare_cms.repo.query.queue_time");
        _count = meter.Counter("healthcare_cms.repo.query.count");
    }

    public void Query(SqlShape shape, double querySeconds, double decodeSeconds)
    {
        KeyValuePair<string, object?>[] tags = [new("source", shape.Source), new("command", shape.Command)];
        _count.Add(1, tags);
        _query.Record(querySeconds, tags);
        _decode.Record(decodeSeconds, tags);
        _total.Record(querySeconds + decodeSeconds, tags);
    }

    public void ConnectionWait(double seconds) => _queue.Record(seconds);
}

/// <summary>What a statement does to which table, reduced to closed sets.</summary>
public readonly record struct SqlShape(string Source, string Command)
{
    private const int ScanLimit = 4000;

    private static readonly Regex Keyword = new(@"^\s*(?:--[^\n]*\n\s*)*(\w+)", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));

    private static readonly Regex Table = new(
        @"\b(?:FROM|INTO|UPDATE)\s+(?:""?\w+""?\.)?""?(\w+)""?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["jobs"] = "workflow_jobs",
        ["stage_results"] = "workflow_results",
        ["audit_chain_head"] = "audit_log",
    };

    public static SqlShape Of(string? sql)
    {
        if (string.IsNullOrEmpty(sql))
        {
            return new SqlShape(TagGuard.OtherValue, TagGuard.OtherValue);
        }

        var text = sql.Length > ScanLimit ? sql[..ScanLimit] : sql;
        try
        {
            var command = Keyword.Match(text) is { Success: true } k ? k.Groups[1].Value.ToLowerInvariant() : TagGuard.OtherValue;
            var table = Table.Match(text) is { Success: true } t ? t.Groups[1].Value.ToLowerInvariant() : TagGuard.OtherValue;
            table = Aliases.GetValueOrDefault(table, table);
            return new SqlShape(
                MetricCatalog.Values.DbTables.Contains(table) ? table : TagGuard.OtherValue,
                MetricCatalog.Values.DbCommands.Contains(command) ? command : TagGuard.OtherValue);
        }
        catch (RegexMatchTimeoutException)
        {
            return new SqlShape(TagGuard.OtherValue, TagGuard.OtherValue);
        }
    }
}

/// <summary>
/// Times every EF Core command: <c>query_time</c> until the database answered, <c>decode_time</c> while the
/// rows were read (reader open → disposed), <c>total_time</c> both.
/// </summary>
internal sealed class RepoCommandInterceptor(RepoMetrics metrics) : DbCommandInterceptor
{
    private readonly ConcurrentDictionary<Guid, (SqlShape Shape, double QuerySeconds, long ReadStarted)> _openReaders = new();

    public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
    {
        Track(command, eventData);
        return result;
    }

    public override ValueTask<DbDataReader> ReaderExecutedAsync(
        DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
    {
        Track(command, eventData);
        return ValueTask.FromResult(result);
    }

    public override InterceptionResult DataReaderDisposing(DbCommand command, DataReaderDisposingEventData eventData, InterceptionResult result)
    {
        if (_openReaders.TryRemove(eventData.CommandId, out var open))
        {
            metrics.Query(open.Shape, open.QuerySeconds, Stopwatch.GetElapsedTime(open.ReadStarted).TotalSeconds);
        }

        return result;
    }

    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        metrics.Query(SqlShape.Of(command.CommandText), eventData.Duration.TotalSeconds, 0);
        return result;
    }

    public override ValueTask<int> NonQueryExecutedAsync(
        DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        metrics.Query(SqlShape.Of(command.CommandText), eventData.Duration.TotalSeconds, 0);
        return ValueTask.FromResult(result);
    }

    public override object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result)
    {
        metrics.Query(SqlShape.Of(command.CommandText), eventData.Duration.TotalSeconds, 0);
        return result;
    }

    public override ValueTask<object?> ScalarExecutedAsync(
        DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default)
    {
        metrics.Query(SqlShape.Of(command.CommandText), eventData.Duration.TotalSeconds, 0);
        return ValueTask.FromResult(result);
    }

    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) =>
        metrics.Query(SqlShape.Of(command.CommandText), eventData.Duration.TotalSeconds, 0);

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        metrics.Query(SqlShape.Of(command.CommandText), eventData.Duration.TotalSeconds, 0);
        return Task.CompletedTask;
    }

    private void Track(DbCommand command, CommandExecutedEventData eventData) =>
        _openReaders[eventData.CommandId] = (SqlShape.Of(command.CommandText), eventData.Duration.TotalSeconds, Stopwatch.GetTimestamp());
}

/// <summary>
/// <c>queue_time</c>: how long opening a connection took. With pooling that is the wait for a free pooled
/// connection (plus the physical connect when the pool had to open a new one), the signal of pool exhaustion.
/// </summary>
internal sealed class RepoConnectionInterceptor(RepoMetrics metrics) : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) =>
        metrics.ConnectionWait(eventData.Duration.TotalSeconds);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        metrics.ConnectionWait(eventData.Duration.TotalSeconds);
        return Task.CompletedTask;
    }
}
