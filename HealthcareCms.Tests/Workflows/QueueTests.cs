using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using HealthcareCms.ServiceDefaults.Telemetry;
using HealthcareCms.Tests.Infrastructure;
using HealthcareCms.Workflows.Pipeline;
using HealthcareCms.Workflows.Queue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace HealthcareCms.Tests.Workflows;

/// <summary>The durable queue against the AppHost's real PostgreSQL (a database of its own per test).</summary>
[Collection(AppHostCollection.Name)]
public sealed class QueueTests(AppHostFixture fixture)
{
    private static readonly StageOutcome[] PassingStages =
    [
        new("lgpd", StageResults.Pass, [], 0.001),
        new("plugin:reading_level", StageResults.Pass, [], 0.0001),
    ];

    [Fact]
    public async Task Concurrent_migrators_apply_each_migration_exactly_once()
    {
        await using var database = await QueueDatabase.CreateAsync(fixture, migrate: false);
        Assert.False(await SchemaMigrator.IsUpToDateAsync(database.DataSource, CancellationToken.None));

        var applied = await Task.WhenAll(Enumerable.Range(0, 3)
            .Select(_ => Task.Run(() => SchemaMigrator.MigrateAsync(database.DataSource, CancellationToken.None))));

        Assert.Equal(SchemaMigrator.Embedded.Count, applied.Sum());
        Assert.Equal(SchemaMigrator.Embedded.Count, await database.ScalarAsync<long>("SELECT count(*) FROM workflow.schema_migrations"));
        Assert.Equal(0, await SchemaMigrator.MigrateAsync(database.DataSource, CancellationToken.None));
        Assert.True(await SchemaMigrator.IsUpToDateAsync(database.DataSource, CancellationToken.None));
    }

    [Fact]
    public async Task Two_workers_on_one_queue_never_process_a_job_twice()
    {
        await using var database = await QueueDatabase.CreateAsync(fixture);
        var ids = new List<Guid>();
        for (var i = 0; i < 200; i++)
        {
            ids.Add(await database.InsertJobAsync());
        }

        var processed = new ConcurrentDictionary<Guid, int>();
        var byWorker = new ConcurrentDictionary<string, int>();

        async Task WorkerLoop(string owner)
        {
            // An independent queue instance (and data source) per worker, as in two processes.
            await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
            var queue = new JobQueue(dataSource, new QueueOptions());
            while (await queue.ClaimAsync(owner, CancellationToken.None) is { } job)
            {
                processed.AddOrUpdate(job.Id, 1, (_, n) => n + 1);
                byWorker.AddOrUpdate(owner, 1, (_, n) => n + 1);
                Assert.True(await queue.CompleteAsync(job, JobOutcomes.Approved, PassingStages, CancellationToken.None));
            }
        }

        await Task.WhenAll(Task.Run(() => WorkerLoop("worker-a")), Task.Run(() => WorkerLoop("worker-b")));

        Assert.Equal(ids.Order(), processed.Keys.Order());
        Assert.All(processed.Values, count => Assert.Equal(1, count));
        Assert.Equal(200, byWorker.Values.Sum());
        Assert.Equal(2, byWorker.Count);
        Assert.Equal(200, await database.ScalarAsync<long>("SELECT count(*) FROM workflow.jobs WHERE state = 'completed' AND attempts = 1"));
        Assert.Equal(200, await database.ScalarAsync<long>("SELECT count(*) FROM workflow.job_events WHERE event = 'completed'"));
        Assert.Equal(400, await database.ScalarAsync<long>("SELECT count(*) FROM workflow.stage_results"));
    }

    [Fact]
    public async Task An_expired_lease_is_reclaimed_and_the_old_owner_can_no_longer_write()
    {
        await using var database = await QueueDatabase.CreateAsync(fixture);
        var queue = new JobQueue(database.DataSource, new QueueOptions { LeaseDuration = TimeSpan.FromSeconds(1) });
        var id = await database.InsertJobAsync();

        var first = await queue.ClaimAsync("crashed-worker", CancellationToken.None);
        Assert.Equal(id, first!.Id);
        Assert.Null(await queue.ClaimAsync("worker-b", CancellationToken.None));

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var second = await queue.ClaimAsync("worker-b", CancellationToken.None);

        Assert.Equal(id, second!.Id);
        Assert.Equal(2, second.Attempts);
        Assert.False(await queue.RenewLeaseAsync(first, CancellationToken.None));
        Assert.False(await queue.CompleteAsync(first, JobOutcomes.ChangesRequested, PassingStages, CancellationToken.None));
        Assert.Equal(AttemptDisposition.LeaseLost, await queue.FailAsync(first, "stage_error: x", [], false, CancellationToken.None));
        Assert.True(await queue.CompleteAsync(second, JobOutcomes.Approved, PassingStages, CancellationToken.None));
        Assert.Equal("approved", await database.ScalarAsync<string>("SELECT outcome FROM workflow.jobs WHERE id = $1", id));
        Assert.Equal(["claimed", "claimed", "completed"], await database.EventsAsync(id));
    }

    [Fact]
    public async Task A_renewed_lease_keeps_the_job_from_other_workers()
    {
        await using var database = await QueueDatabase.CreateAsync(fixture);
        var queue = new JobQueue(database.DataSource, new QueueOptions { LeaseDuration = TimeSpan.FromSeconds(1) });
        await database.InsertJobAsync();
        var job = await queue.ClaimAsync("worker-a", CancellationToken.None);

        for (var i = 0; i < 6; i++)
        {
            await Task.Delay(300);
            Assert.True(await queue.RenewLeaseAsync(job!, CancellationToken.None));
            Assert.Null(await queue.ClaimAsync("worker-b", CancellationToken.None));
        }
    }

    [Fact]
    public async Task Completing_twice_is_a_no_op()
    {
        await using var database = await QueueDatabase.CreateAsync(fixture);
        var queue = new JobQueue(database.DataSource, new QueueOptions());
        var id = await database.InsertJobAsync();
        var job = await queue.ClaimAsync("worker-a", CancellationToken.None);

        Assert.True(await queue.CompleteAsync(job!, JobOutcomes.ChangesRequested,
            [new("lgpd", StageResults.Fail, [new Finding("LGPD-CPF", "m", 3, 14)], 0.001)], CancellationToken.None));
        Assert.False(await queue.CompleteAsync(job!, JobOutcomes.Approved, PassingStages, CancellationToken.None));

        Assert.Equal("changes_requested", await database.ScalarAsync<string>("SELECT outcome FROM workflow.jobs WHERE id = $1", id));
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM workflow.stage_results WHERE job_id = $1", id));
        Assert.Equal("""[{"start": 3, "length": 14, "ruleId": "LGPD-CPF", "message": "m"}]""",
            await database.ScalarAsync<string>("SELECT findings::text FROM workflow.stage_results WHERE job_id = $1", id));
        Assert.Equal(["claimed", "completed"], await database.EventsAsync(id));
    }

    [Fact]
    public async Task A_failed_attempt_is_retried_after_an_exponential_backoff()
    {
        await using var database = await QueueDatabase.CreateAsync(fixture);
        var options = new QueueOptions { RetryBaseDelay = TimeSpan.FromSeconds(10), RetryMaxDelay = TimeSpan.FromSeconds(30) };
        var queue = new JobQueue(database.DataSource, options);
        var id = await database.InsertJobAsync();
        var job = await queue.ClaimAsync("worker-a", CancellationToken.None);

        var disposition = await queue.FailAsync(job!, "stage_error: plugin:glossary=timeout",
            [new("plugin:glossary", StageResults.Error, [], 0.05, "timeout")], permanent: false, CancellationToken.None);

        Assert.Equal(AttemptDisposition.Retried, disposition);
        Assert.Equal("pending", await database.ScalarAsync<string>("SELECT state FROM workflow.jobs WHERE id = $1", id));
        var delay = await database.ScalarAsync<double>("SELECT extract(epoch FROM available_at - now())::float8 FROM workflow.jobs WHERE id = $1", id);
        Assert.InRange(delay, 8, 10.5);
        Assert.Equal("stage_error: plugin:glossary=timeout", await database.ScalarAsync<string>("SELECT last_error FROM workflow.jobs WHERE id = $1", id));
        Assert.Equal("error", await database.ScalarAsync<string>("SELECT result FROM workflow.stage_results WHERE job_id = $1", id));
        Assert.Null(await queue.ClaimAsync("worker-b", CancellationToken.None));
        Assert.Equal(["claimed", "retry_scheduled"], await database.EventsAsync(id));

        Assert.Equal(TimeSpan.FromSeconds(10), options.Backoff(1));
        Assert.Equal(TimeSpan.FromSeconds(20), options.Backoff(2));
        Assert.Equal(TimeSpan.FromSeconds(30), options.Backoff(3));
        Assert.Equal(TimeSpan.FromSeconds(30), options.Backoff(40));
    }

    [Fact]
    public async Task A_job_that_keeps_failing_ends_in_dead_letter_with_its_reason()
    {
        await using var database = await QueueDatabase.CreateAsync(fixture);
        var queue = new JobQueue(database.DataSource, new QueueOptions { MaxAttempts = 3, RetryBaseDelay = TimeSpan.Zero });
        var id = await database.InsertJobAsync();

        var dispositions = new List<AttemptDisposition>();
        while (await queue.ClaimAsync("worker-a", CancellationToken.None) is { } job)
        {
            dispositions.Add(await queue.FailAsync(job, "stage_error: plugin:glossary=trap", [], false, CancellationToken.None));
        }

        Assert.Equal([AttemptDisposition.Retried, AttemptDisposition.Retried, AttemptDisposition.DeadLettered], dispositions);
        Assert.Equal("dead_letter", await database.ScalarAsync<string>("SELECT state FROM workflow.jobs WHERE id = $1", id));
        Assert.Equal(3, await database.ScalarAsync<int>("SELECT attempts FROM workflow.jobs WHERE id = $1", id));
        var deadLetter = Assert.Single(await queue.GetDeadLettersAsync(10, CancellationToken.None));
        Assert.Equal((id, 3, "stage_error"), (deadLetter.JobId, deadLetter.Attempts, deadLetter.ErrorClass));
        Assert.NotNull(deadLetter.FailedAt);
        Assert.Equal(1, (await queue.GetHealthAsync(CancellationToken.None)).DeadLetters);
        Assert.Equal(["claimed", "retry_scheduled", "claimed", "retry_scheduled", "claimed", "dead_lettered"], await database.EventsAsync(id));
    }

    [Fact]
    public async Task A_job_whose_worker_dies_on_every_attempt_is_dead_lettered_not_retried_forever()
    {
        await using var database = await QueueDatabase.CreateAsync(fixture);
        using var harness = new WorkflowHarness();
        var queue = new JobQueue(database.DataSource, new QueueOptions { MaxAttempts = 2 });
        var processor = new JobProcessor(queue, harness.Pipeline, harness.Metrics, NullLogger<JobProcessor>.Instance);
        var id = await database.InsertJobAsync();
        await database.ScalarAsync<int>("""
            UPDATE workflow.jobs SET state = 'running', attempts = 2, lease_owner = 'gone', lease_expires_at = now() - interval '1 s'
            WHERE id = $1 RETURNING attempts
            """, id);
        using var completed = new MetricCollector<long>(harness.MeterFactory, MetricCatalog.Meters.Workflows, "healthcare_cms.medical_workflows.completed");

        var job = await queue.ClaimAsync("worker-a", CancellationToken.None);
        await processor.ProcessAsync(job!, CancellationToken.None);

        Assert.Equal("dead_letter", await database.ScalarAsync<string>("SELECT state FROM workflow.jobs WHERE id = $1", id));
        Assert.StartsWith("lease_expired:", await database.ScalarAsync<string>("SELECT last_error FROM workflow.jobs WHERE id = $1", id));
        var measurement = Assert.Single(completed.GetMeasurementSnapshot());
        Assert.Equal(new Dictionary<string, object?> { ["workflow_stage"] = "pipeline", ["medical_category"] = "cardiology", ["result"] = "error" },
            measurement.Tags);
    }

    [Fact]
    public async Task A_payload_that_is_not_the_contract_is_dead_lettered_at_once()
    {
        await using var database = await QueueDatabase.CreateAsync(fixture);
        using var harness = new WorkflowHarness();
        var queue = new JobQueue(database.DataSource, new QueueOptions());
        var processor = new JobProcessor(queue, harness.Pipeline, harness.Metrics, NullLogger<JobProcessor>.Instance);
        var id = await database.InsertJobAsync();
        await database.ScalarAsync<int>("""UPDATE workflow.jobs SET payload = '{"postId": 42}' WHERE id = $1 RETURNING 1""", id);

        await processor.ProcessAsync((await queue.ClaimAsync("worker-a", CancellationToken.None))!, CancellationToken.None);

        Assert.Equal("dead_letter", await database.ScalarAsync<string>("SELECT state FROM workflow.jobs WHERE id = $1", id));
        Assert.Equal("payload_invalid", Assert.Single(await queue.GetDeadLettersAsync(5, CancellationToken.None)).ErrorClass);
    }

    [Fact]
    public async Task The_processor_runs_the_pipeline_and_stores_every_stage_result_with_the_outcome()
    {
        await using var database = await QueueDatabase.CreateAsync(fixture);
        using var harness = new WorkflowHarness();
        var queue = new JobQueue(database.DataSource, new QueueOptions());
        var processor = new JobProcessor(queue, harness.Pipeline, harness.Metrics, NullLogger<JobProcessor>.Instance);
        var id = await database.InsertJobAsync(title: "Resultado garantido");

        await processor.ProcessAsync((await queue.ClaimAsync("worker-a", CancellationToken.None))!, CancellationToken.None);

        Assert.Equal("changes_requested", await database.ScalarAsync<string>("SELECT outcome FROM workflow.jobs WHERE id = $1", id));
        Assert.Equal("lgpd:pass,medical:pass,cfm:fail,plugin:glossary:pass,plugin:reading_level:pass",
            await database.ScalarAsync<string>("""
                SELECT string_agg(stage || ':' || result, ',' ORDER BY CASE stage WHEN 'lgpd' THEN 1 WHEN 'medical' THEN 2 WHEN 'cfm' THEN 3 ELSE 4 END, stage)
                FROM workflow.stage_results WHERE job_id = $1
                """, id));
        Assert.Equal("CFM-GUARANTEED-RESULTS", await database.ScalarAsync<string>(
            "SELECT findings->0->>'ruleId' FROM workflow.stage_results WHERE job_id = $1 AND stage = 'cfm'", id));
    }

    [Fact]
    public async Task A_released_job_is_claimable_at_once_and_the_attempt_does_not_count()
    {
        await using var database = await QueueDatabase.CreateAsync(fixture);
        var queue = new JobQueue(database.DataSource, new QueueOptions());
        var id = await database.InsertJobAsync();
        var job = await queue.ClaimAsync("stopping-worker", CancellationToken.None);

        Assert.True(await queue.ReleaseAsync(job!, CancellationToken.None));

        var again = await queue.ClaimAsync("worker-b", CancellationToken.None);
        Assert.Equal((id, 1), (again!.Id, again.Attempts));
        Assert.Equal(["claimed", "released", "claimed"], await database.EventsAsync(id));
    }

    [Fact]
    public async Task Every_state_change_is_notified_on_workflow_progress_and_new_jobs_on_workflow_jobs()
    {
        await using var database = await QueueDatabase.CreateAsync(fixture);
        var queue = new JobQueue(database.DataSource, new QueueOptions());
        await using var listener = await database.DataSource.OpenConnectionAsync();
        var notifications = new ConcurrentQueue<(string Channel, string Payload)>();
        listener.Notification += (_, e) => notifications.Enqueue((e.Channel, e.Payload));
        await using (var listen = new NpgsqlCommand("LISTEN workflow_progress; LISTEN workflow_jobs", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        var id = await database.InsertJobAsync();
        var job = await queue.ClaimAsync("worker-a", CancellationToken.None);
        await queue.RenewLeaseAsync(job!, CancellationToken.None);
        await queue.CompleteAsync(job!, JobOutcomes.Approved, PassingStages, CancellationToken.None);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (notifications.Count < 3 && !timeout.IsCancellationRequested)
        {
            await listener.WaitAsync(TimeSpan.FromMilliseconds(200));
        }

        Assert.Equal([("workflow_jobs", ""), ("workflow_progress", id.ToString()), ("workflow_progress", id.ToString())], notifications.ToArray());
    }

    [Fact]
    public async Task Queue_health_reports_pending_running_dead_letters_and_the_oldest_pending_age_as_gauges()
    {
        await using var database = await QueueDatabase.CreateAsync(fixture);
        var queue = new JobQueue(database.DataSource, new QueueOptions { MaxAttempts = 1 });
        for (var i = 0; i < 3; i++)
        {
            await database.InsertJobAsync();
        }

        await database.ScalarAsync<int>("UPDATE workflow.jobs SET available_at = now() - interval '90 s' WHERE state = 'pending' RETURNING 1");
        var running = await queue.ClaimAsync("worker-a", CancellationToken.None);
        var dead = await queue.ClaimAsync("worker-b", CancellationToken.None);
        await queue.FailAsync(dead!, "stage_error: plugin:glossary=memory", [], false, CancellationToken.None);
        Assert.NotNull(running);

        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        var snapshot = new QueueHealthSnapshot();
        _ = new WorkflowMetrics(meterFactory, snapshot);
        using var pending = new MetricCollector<long>(meterFactory, MetricCatalog.Meters.Workflows, "healthcare_cms.workflow_queue.pending");
        using var deadLetters = new MetricCollector<long>(meterFactory, MetricCatalog.Meters.Workflows, "healthcare_cms.workflow_queue.dead_letters");
        using var age = new MetricCollector<double>(meterFactory, MetricCatalog.Meters.Workflows, "healthcare_cms.workflow_queue.oldest_pending_age");

        snapshot.Update(await queue.GetHealthAsync(CancellationToken.None));
        pending.RecordObservableInstruments();
        deadLetters.RecordObservableInstruments();
        age.RecordObservableInstruments();

        Assert.Equal(new QueueHealth(1, 1, 1, snapshot.Current.OldestPendingAgeSeconds), snapshot.Current);
        Assert.Equal(1, pending.LastMeasurement!.Value);
        Assert.Equal(1, deadLetters.LastMeasurement!.Value);
        Assert.InRange(age.LastMeasurement!.Value, 89, 120);
    }
}
