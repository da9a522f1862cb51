using System.Text.Json;
using HealthcareCms.Bench.Load;
using HealthcareCms.Bench.Reporting;
using Npgsql;
using NpgsqlTypes;

namespace HealthcareCms.Bench.Scenarios;

/// <summary>
/// Posts through every workflow stage: jobs are submitted exactly as the Api does (CONTRACTS §4, a row in
/// <c>workflow.jobs</c>), and timed from <c>created_at</c> to <c>completed_at</c> on the database's clock.
/// Throughput: a batch submitted at once. Latency: one job every 20 ms (50/s), open loop.
/// </summary>
public sealed class WorkflowScenario : Scenario
{
    public override string Name => "workflows";

    public override IReadOnlyList<Figure> Declare() =>
    [
        new("workflow_posts_per_s", "workflows: posts through all stages per second", "posts/s", [], Target.Min(300, "≥ 300 posts/s")),
        new("workflow_p99_s", "workflows: submit-to-result p99 at 50 posts/s", "s", [], Target.Max(2, "≤ 2 s")),
        new("wasm_call_us", "workflows: WASM plugin call overhead (p50)", "µs", [], Target.Max(20, "≤ 20 µs")),
    ];

    public override async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context)
    {
        var wasmRuns = Enumerable.Range(0, 3).Select(_ => WasmCalls.Measure(context.Options.Mode == BenchMode.Full ? 20_000 : 2_000)).ToList();
        var wasm = Measured("wasm_call_us", wasmRuns.Select(r => r.NoOpP50Us).ToList(),
            note: "per call through the workflows area's WasmSandbox.Invoke (fresh store + instance, fuel, epoch deadline, result checks) " +
                  $"with a plugin doing no work: p99 {Figure.Format(Stats.Median(wasmRuns.Select(r => r.NoOpP99Us).ToList()))} µs; " +
                  $"the shipped reading_level plugin on a 300-character body takes {Figure.Format(Stats.Median(wasmRuns.Select(r => r.ReadingLevelP50Us).ToList()))} µs per call (p50)");

        var database = context.Database ?? throw new InvalidOperationException("no bench database");
        if (await database.ScalarAsync("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'workflow' AND table_name = 'jobs'") == 0)
        {
            return [.. NotMeasured("the workflow worker in this build has no workflow.jobs table").Where(f => f.Key != wasm.Key), wasm];
        }

        var probe = await SubmitAsync(database.ConnectionString, 1);
        if (await WaitForCompletionAsync(database.ConnectionString, probe, TimeSpan.FromSeconds(30)) is null)
        {
            return [.. NotMeasured("the workflow worker in this build does not complete jobs (a probe job stayed pending for 30 s)").Where(f => f.Key != wasm.Key), wasm];
        }

        var batch = context.Options.Mode == BenchMode.Full ? 1000 : 50;
        var throughput = new List<double>();
        for (var run = 0; run < 3; run++)
        {
            var ids = await SubmitAsync(database.ConnectionString, batch);
            var span = await WaitForCompletionAsync(database.ConnectionString, ids, TimeSpan.FromSeconds(120))
                ?? throw new TimeoutException($"{batch} workflow jobs did not complete within 120 s");
            throughput.Add(batch / span.TotalSeconds);
            context.Log($"workflow batch {run + 1}: {batch} posts in {span.TotalSeconds:F2} s");
        }

        var latencies = new List<double>();
        for (var run = 0; run < context.Options.OpenLoopRuns; run++)
        {
            var ids = new System.Collections.Concurrent.ConcurrentBag<Guid>();
            await OpenLoop.RunAsync(50, context.Options.OpenLoopDuration, TimeSpan.Zero, async _ =>
            {
                foreach (var id in await SubmitAsync(database.ConnectionString, 1))
                {
                    ids.Add(id);
                }

                return null;
            });
            await WaitForCompletionAsync(database.ConnectionString, ids.ToList(), TimeSpan.FromSeconds(60));
            var seconds = await SubmitToResultSecondsAsync(database.ConnectionString, ids.ToList());
            latencies.Add(Stats.Percentile(seconds, 0.99));
        }

        var stages = await database.ScalarAsync("SELECT count(DISTINCT stage) FROM workflow.stage_results");
        var plugins = await database.ScalarAsync("SELECT count(DISTINCT stage) FROM workflow.stage_results WHERE stage LIKE 'plugin:%'");
        var note = $"{stages} distinct stages recorded, {plugins} of them WASM plugins" + (plugins == 0 ? " (no plugin stage ran: the figure is for the built-in stages only)" : "");
        return
        [
            Measured("workflow_posts_per_s", throughput, note: $"batches of {batch} jobs inserted at once, first created_at to last completed_at; {note}"),
            Measured("workflow_p99_s", latencies, note: "created_at → completed_at per job, 50 jobs/s submitted open-loop"),
            wasm,
        ];
    }

    private static async Task<List<Guid>> SubmitAsync(string connectionString, int count)
    {
        var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToList();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var batch = new NpgsqlBatch(connection);
        foreach (var id in ids)
        {
            var postId = Guid.NewGuid();
            var payload = JsonSerializer.Serialize(new
            {
                postId,
                version = 1,
                title = "Hidratação no verão",
                body = "Beba água regularmente. Procure seu médico em caso de sintomas persistentes. Estudo publicado em 2024 (doi:10.1000/bench).",
                medicalCategory = "general",
                author = new { displayName = "Dra. Bench", crm = "123456", uf = "SP", rqe = "7890", specialty = "nutrologia" },
                patientConsentIds = Array.Empty<Guid>(),
            });
            var command = new NpgsqlBatchCommand("""
                INSERT INTO workflow.jobs (id, post_id, post_version, payload, medical_category, state, available_at, created_at)
                VALUES ($1, $2, 1, $3, 'general', 'pending', now(), now())
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            command.Parameters.Add(new NpgsqlParameter { Value = postId });
            command.Parameters.Add(new NpgsqlParameter { Value = payload, NpgsqlDbType = NpgsqlDbType.Jsonb });
            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync();
        return ids;
    }

    /// <summary>Waits until every job is completed or dead-lettered; the span from first created to last completed.</summary>
    private static async Task<TimeSpan?> WaitForCompletionAsync(string connectionString, IReadOnlyList<Guid> ids, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        while (DateTime.UtcNow < deadline)
        {
            await using var command = new NpgsqlCommand("""
                SELECT count(*) FILTER (WHERE state NOT IN ('completed', 'dead_letter')),
                       extract(epoch FROM max(completed_at) - min(created_at))
                FROM workflow.jobs WHERE id = ANY($1)
                """, connection);
            command.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray() });
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            if (reader.GetInt64(0) == 0 && !reader.IsDBNull(1))
            {
                return TimeSpan.FromSeconds((double)reader.GetDecimal(1));
            }

            await reader.DisposeAsync();
            await Task.Delay(200);
        }

        return null;
    }

    private static async Task<double[]> SubmitToResultSecondsAsync(string connectionString, IReadOnlyList<Guid> ids)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT extract(epoch FROM completed_at - created_at)::float8 FROM workflow.jobs
            WHERE id = ANY($1) AND completed_at IS NOT NULL ORDER BY 1
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray() });
        var seconds = new List<double>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            seconds.Add(reader.GetDouble(0));
        }

        return seconds.ToArray();
    }
}
