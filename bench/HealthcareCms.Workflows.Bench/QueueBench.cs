using System.Diagnostics;
using System.Text.Json;
using HealthcareCms.Workflows.Pipeline;
using HealthcareCms.Workflows.Queue;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace HealthcareCms.Workflows.Bench;

/// <summary>The durable queue with the real pipeline: throughput of a backlog, then latency under a steady 50/s.</summary>
internal static class QueueBench
{
    public static async Task RunAsync(string connectionString, QueueOptions options, ValidationPipeline pipeline, WorkflowMetrics metrics)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await SchemaMigrator.MigrateAsync(dataSource, CancellationToken.None);
        await using (var clean = dataSource.CreateCommand("DELETE FROM workflow.jobs"))
        {
            await clean.ExecuteNonQueryAsync();
        }

        var queue = new JobQueue(dataSource, options);
        var processor = new JobProcessor(queue, pipeline, metrics, NullLogger<JobProcessor>.Instance);
        var workers = options.Workers;

        // Backlog: N jobs waiting, then the workers drain it.
        const int backlog = 3000;
        await InsertAsync(dataSource, backlog);
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers)
            .Select(i => Task.Run(() => LoopAsync(queue, processor, $"bench:{i}", stopUntilEmpty: true, CancellationToken.None))));

        var completed = await CountCompletedAsync(dataSource);
        Console.WriteLine($"Queue end to end (claim → 5 stages incl. 2 WASM plugins → result written), backlog of {backlog}: " +
                          $"{completed / stopwatch.Elapsed.TotalSeconds:F0} posts/s with {workers} worker loops ({completed} completed)");

        // Steady load: 50 submissions/s for 20 s while the workers poll (250 ms) as in production without LISTEN.
        await using (var clean = dataSource.CreateCommand("DELETE FROM workflow.jobs"))
        {
            await clean.ExecuteNonQueryAsync();
        }

        using var stop = new CancellationTokenSource();
        var workerLoops = Enumerable.Range(0, workers).Select(i => Task.Run(() => LoopAsync(queue, processor, $"bench:{i}", stopUntilEmpty: false, stop.Token))).ToArray();
        var load = Stopwatch.StartNew();
        for (var i = 0; i < 1000; i++)
        {
            await InsertAsync(dataSource, 1);
            var next = TimeSpan.FromMilliseconds(20 * (i + 1)) - load.Elapsed;
            if (next > TimeSpan.Zero)
            {
                await Task.Delay(next);
            }
        }

        while (await CountCompletedAsync(dataSource) < 1000 && load.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(100);
        }

        await stop.CancelAsync();
        await Task.WhenAll(workerLoops);
        await using var latency = dataSource.CreateCommand("""
            SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at)), max(extract(epoch FROM completed_at - created_at))
            FROM workflow.jobs WHERE state = 'completed'
            """);
        await using var reader = await latency.ExecuteReaderAsync();
        await reader.ReadAsync();
        var percentiles = reader.GetFieldValue<double[]>(0);
        Console.WriteLine($"Submit-to-result latency at 50 submissions/s (1000 jobs, 250 ms poll): p50 {percentiles[0] * 1000:F0} ms, " +
                          $"p99 {percentiles[1] * 1000:F0} ms, max {Convert.ToDouble(reader.GetValue(1)) * 1000:F0} ms");
    }

    private static async Task LoopAsync(JobQueue queue, JobProcessor processor, string owner, bool stopUntilEmpty, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            if (await queue.ClaimAsync(owner, CancellationToken.None) is { } job)
            {
                await processor.ProcessAsync(job, CancellationToken.None);
            }
            else if (stopUntilEmpty)
            {
                return;
            }
            else
            {
                try
                {
                    await Task.Delay(queue.Options.PollInterval, token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static async Task InsertAsync(NpgsqlDataSource dataSource, int count)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO workflow.jobs (id, post_id, post_version, payload, medical_category, state, available_at, created_at)
            SELECT gen_random_uuid(), gen_random_uuid(), 1, $1::jsonb, 'cardiology', 'pending', now(), now() FROM generate_series(1, $2)
            """);
        command.Parameters.AddWithValue(JsonSerializer.Serialize(Posts.Mix[0], WorkflowPayload.JsonOptions));
        command.Parameters.AddWithValue(count);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountCompletedAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM workflow.jobs WHERE state = 'completed'");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
