using System.Text.Json;
using HealthcareCms.Workflows.Pipeline;
using Npgsql;
using NpgsqlTypes;

namespace HealthcareCms.Workflows.Queue;

/// <summary>A job this worker holds a lease on.</summary>
public sealed record ClaimedJob(Guid Id, Guid PostId, int PostVersion, string Payload, string MedicalCategory, int Attempts, string LeaseOwner);

/// <summary>What became of a failed attempt.</summary>
public enum AttemptDisposition
{
    /// <summary>Back to <c>pending</c>, due after the backoff.</summary>
    Retried,

    /// <summary>Out of attempts (or permanently invalid): <c>dead_letter</c> with its reason.</summary>
    DeadLettered,

    /// <summary>This worker no longer held the lease: nothing was written.</summary>
    LeaseLost,
}

/// <summary>A dead-lettered job as operators see it: no post content, only ids and the error class.</summary>
public sealed record DeadLetter(Guid JobId, Guid PostId, int PostVersion, int Attempts, string ErrorClass, DateTimeOffset? FailedAt);

/// <summary>The queue figures (pending, running, dead letters, age of the oldest due pending job).</summary>
public sealed record QueueHealth(long Pending, long Running, long DeadLetters, double OldestPendingAgeSeconds)
{
    public static readonly QueueHealth Empty = new(0, 0, 0, 0);
}

/// <summary>
/// The durable job queue in <c>workflow.jobs</c>. Claims use <c>FOR UPDATE SKIP LOCKED</c> and a lease;
/// every later write is conditional on <c>lease_owner</c> and <c>state = 'running'</c>, so a worker that
/// lost its lease (expired, reclaimed by another) writes nothing: completion is idempotent and a job is
/// completed at most once. Every transition is recorded in <c>workflow.job_events</c> in the same
/// statement, and announced on <c>workflow_progress</c> by the schema's trigger.
/// </summary>
public sealed class JobQueue(NpgsqlDataSource dataSource, QueueOptions options)
{
    public QueueOptions Options => options;

    public async Task<ClaimedJob?> ClaimAsync(string owner, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH next AS (
                SELECT id FROM workflow.jobs
                WHERE (state = 'pending' AND available_at <= now())
                   OR (state = 'running' AND lease_expires_at < now())
                ORDER BY available_at, created_at
                LIMIT 1
                FOR UPDATE SKIP LOCKED
            ), claimed AS (
                UPDATE workflow.jobs j
                SET state = 'running', attempts = j.attempts + 1, lease_owner = $1,
                    lease_expires_at = now() + $2, started_at = coalesce(j.started_at, now())
                FROM next WHERE j.id = next.id
                RETURNING j.id, j.post_id, j.post_version, j.payload::text AS payload, j.medical_category, j.attempts
            ), event AS (
                INSERT INTO workflow.job_events (job_id, attempt, event, worker)
                SELECT id, attempts, 'claimed', $1 FROM claimed
            )
            SELECT id, post_id, post_version, payload, medical_category, attempts FROM claimed
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = options.LeaseDuration, NpgsqlDbType = NpgsqlDbType.Interval });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new ClaimedJob(reader.GetGuid(0), reader.GetGuid(1), reader.GetInt32(2), reader.GetString(3), reader.GetString(4),
            reader.GetInt32(5), owner);
    }

    /// <summary>Extends the lease; false when this worker no longer holds it.</summary>
    public async Task<bool> RenewLeaseAsync(ClaimedJob job, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE workflow.jobs SET lease_expires_at = now() + $3
            WHERE id = $1 AND lease_owner = $2 AND state = 'running'
            """);
        AddLease(command, job);
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = options.LeaseDuration, NpgsqlDbType = NpgsqlDbType.Interval });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Completes the job with its outcome and stage results, in one transaction; false when the lease was lost.</summary>
    public Task<bool> CompleteAsync(ClaimedJob job, string outcome, IReadOnlyList<StageOutcome> stages, CancellationToken cancellationToken) =>
        TransitionAsync(job, """
            WITH done AS (
                UPDATE workflow.jobs
                SET state = 'completed', outcome = $3, completed_at = now(), lease_owner = NULL, lease_expires_at = NULL,
                    last_error = NULL
                WHERE id = $1 AND lease_owner = $2 AND state = 'running'
                RETURNING id, attempts
            )
            INSERT INTO workflow.job_events (job_id, attempt, event, worker, detail)
            SELECT id, attempts, 'completed', $2, $3 FROM done
            """, [new NpgsqlParameter<string> { TypedValue = outcome }], stages, cancellationToken);

    /// <summary>
    /// Ends a failed attempt: back to <c>pending</c> after the backoff, or <c>dead_letter</c> when the
    /// attempts are used up or <paramref name="permanent"/>. <paramref name="error"/> must be non-personal
    /// (<c>class: detail</c>, e.g. <c>stage_error: plugin:glossary=timeout</c>).
    /// </summary>
    public async Task<AttemptDisposition> FailAsync(
        ClaimedJob job, string error, IReadOnlyList<StageOutcome> stages, bool permanent, CancellationToken cancellationToken)
    {
        var dead = permanent || job.Attempts >= options.MaxAttempts;
        var applied = await TransitionAsync(job, """
            WITH failed AS (
                UPDATE workflow.jobs
                SET state = CASE WHEN $3 THEN 'dead_letter' ELSE 'pending' END,
                    available_at = CASE WHEN $3 THEN available_at ELSE now() + $5 END,
                    completed_at = CASE WHEN $3 THEN now() ELSE NULL END,
                    lease_owner = NULL, lease_expires_at = NULL, last_error = $4
                WHERE id = $1 AND lease_owner = $2 AND state = 'running'
                RETURNING id, attempts
            )
            INSERT INTO workflow.job_events (job_id, attempt, event, worker, detail)
            SELECT id, attempts, CASE WHEN $3 THEN 'dead_lettered' ELSE 'retry_scheduled' END, $2, $4 FROM failed
            """,
            [
                new NpgsqlParameter<bool> { TypedValue = dead },
                new NpgsqlParameter<string> { TypedValue = error },
                new NpgsqlParameter<TimeSpan> { TypedValue = options.Backoff(job.Attempts), NpgsqlDbType = NpgsqlDbType.Interval },
            ], stages, cancellationToken);
        return !applied ? AttemptDisposition.LeaseLost : dead ? AttemptDisposition.DeadLettered : AttemptDisposition.Retried;
    }

    /// <summary>Graceful shutdown: gives the job back at once; the released attempt does not count.</summary>
    public async Task<bool> ReleaseAsync(ClaimedJob job, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH released AS (
                UPDATE workflow.jobs
                SET state = 'pending', attempts = attempts - 1, available_at = now(), lease_owner = NULL, lease_expires_at = NULL
                WHERE id = $1 AND lease_owner = $2 AND state = 'running'
                RETURNING id, attempts
            )
            INSERT INTO workflow.job_events (job_id, attempt, event, worker)
            SELECT id, attempts + 1, 'released', $2 FROM released
            """);
        AddLease(command, job);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<QueueHealth> GetHealthAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT
                (SELECT count(*) FROM workflow.jobs WHERE state = 'pending'),
                (SELECT count(*) FROM workflow.jobs WHERE state = 'running'),
                (SELECT count(*) FROM workflow.jobs WHERE state = 'dead_letter'),
                (SELECT coalesce(extract(epoch FROM greatest(now() - min(available_at), interval '0')), 0)::float8
                 FROM workflow.jobs WHERE state = 'pending')
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new QueueHealth(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetDouble(3));
    }

    public async Task<IReadOnlyList<DeadLetter>> GetDeadLettersAsync(int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, post_id, post_version, attempts, coalesce(last_error, ''), completed_at
            FROM workflow.jobs WHERE state = 'dead_letter'
            ORDER BY completed_at DESC NULLS LAST
            LIMIT $1
            """);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var result = new List<DeadLetter>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new DeadLetter(reader.GetGuid(0), reader.GetGuid(1), reader.GetInt32(2), reader.GetInt32(3),
                ErrorClassOf(reader.GetString(4)), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return result;
    }

    /// <summary>The class of a stored error: the text before the first colon (<c>stage_error</c>, <c>payload_invalid</c>, …).</summary>
    public static string ErrorClassOf(string lastError)
    {
        var colon = lastError.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? lastError[..colon] : lastError.Length > 0 ? lastError : "unknown";
    }

    /// <summary>Runs the conditional transition; when it applied, replaces the job's stage results in the same transaction.</summary>
    private async Task<bool> TransitionAsync(
        ClaimedJob job, string sql, NpgsqlParameter[] parameters, IReadOnlyList<StageOutcome> stages, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand(sql, connection, transaction))
        {
            AddLease(command, job);
            command.Parameters.AddRange(parameters);
            if (await command.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                await transaction.RollbackAsync(cancellationToken);
                return false;
            }
        }

        await using (var results = new NpgsqlCommand("DELETE FROM workflow.stage_results WHERE job_id = $1", connection, transaction))
        {
            results.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = job.Id });
            await results.ExecuteNonQueryAsync(cancellationToken);
        }

        if (stages.Count > 0)
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO workflow.stage_results (job_id, stage, result, findings, duration_seconds)
                SELECT $1, s.stage, s.result, s.findings::jsonb, s.duration
                FROM unnest($2::text[], $3::text[], $4::text[], $5::float8[]) AS s(stage, result, findings, duration)
                """, connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = job.Id });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = stages.Select(s => s.Stage).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = stages.Select(s => s.Result).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string[]>
            {
                TypedValue = stages.Select(s => JsonSerializer.Serialize(s.Findings, FindingJson.Options)).ToArray(),
            });
            insert.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = stages.Select(s => s.DurationSeconds).ToArray() });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private static void AddLease(NpgsqlCommand command, ClaimedJob job)
    {
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = job.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = job.LeaseOwner });
    }
}

/// <summary>Findings as stored in <c>stage_results.findings</c>: <c>[{ruleId, message, start, length}]</c>.</summary>
public static class FindingJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
