using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using HealthcareCms.Tests.Infrastructure;
using Npgsql;

namespace HealthcareCms.Tests.Workflows;

/// <summary>The real <c>workflows</c> process of the AppHost, fed through the real <c>cmsdb</c>.</summary>
[Collection(AppHostCollection.Name)]
public sealed class WorkerProcessTests(AppHostFixture fixture)
{
    /// <summary><c>Workflows:Queue:HoldMarker</c> of the worker's appsettings.Development.json.</summary>
    private const string HoldMarker = "[workflow-test-hold]";

    [Fact]
    public async Task A_job_whose_worker_is_killed_mid_job_completes_exactly_once_after_a_restart()
    {
        await using var db = await OpenAsync();
        var jobId = await InsertJobAsync(db, $"Pressão alta {HoldMarker}", WorkflowTestData.CleanBody);

        // The worker claims it and holds it (lease renewed) before writing its result.
        var owner = await PollAsync(db, "SELECT lease_owner FROM workflow.jobs WHERE id = $1 AND state = 'running'", jobId, TimeSpan.FromSeconds(30));
        var pid = int.Parse(owner.Split(':')[1], CultureInfo.InvariantCulture);
        using (var worker = Process.GetProcessById(pid))
        {
            worker.Kill();
            await worker.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await fixture.App.ResourceNotifications.WaitForResourceAsync("workflows",
            e => e.Snapshot.State?.Text is "Exited" or "Finished" or "FailedToStart", timeout.Token);
        var start = await fixture.App.ResourceCommands.ExecuteCommandAsync("workflows", "resource-start", timeout.Token);
        Assert.True(start.Success, start.Message);
        await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("workflows", timeout.Token);

        // The lease of the killed worker expires (5 s in Development) and the restarted worker completes the job.
        Assert.Equal("approved", await PollAsync(db, "SELECT outcome FROM workflow.jobs WHERE id = $1 AND state = 'completed'", jobId, TimeSpan.FromSeconds(60)));
        Assert.Equal("1:claimed,2:claimed,2:completed", await ScalarAsync<string>(db,
            "SELECT string_agg(attempt || ':' || event, ',' ORDER BY id) FROM workflow.job_events WHERE job_id = $1", jobId));
        Assert.Equal(2, await ScalarAsync<int>(db, "SELECT attempts FROM workflow.jobs WHERE id = $1", jobId));

        Assert.NotEqual(owner, await ScalarAsync<string>(db,
            "SELECT worker FROM workflow.job_events WHERE job_id = $1 AND event = 'completed'", jobId));
        Assert.Equal(5L, await ScalarAsync<long>(db, "SELECT count(*) FROM workflow.stage_results WHERE job_id = $1", jobId));
    }

    [Fact]
    public async Task A_submitted_job_is_validated_end_to_end_and_measured_on_the_management_port()
    {
        await using var db = await OpenAsync();
        var jobId = await InsertJobAsync(db, "Tratamento garantido", "O paciente João Pereira teve um AVC e ficou 100% curado.", "dermatology");

        Assert.Equal("changes_requested", await PollAsync(db,
            "SELECT outcome FROM workflow.jobs WHERE id = $1 AND state = 'completed'", jobId, TimeSpan.FromSeconds(30)));
        Assert.Equal("cfm:fail,lgpd:fail,medical:fail,plugin:glossary:fail,plugin:reading_level:pass", await ScalarAsync<string>(db,
            "SELECT string_agg(stage || ':' || result, ',' ORDER BY stage) FROM workflow.stage_results WHERE job_id = $1", jobId));

        var metrics = await MetricsScrape.ScrapeAsync(fixture, "workflows", fresh: true);
        Assert.Contains("healthcare_cms_medical_workflows_started_total{otel_scope_name=\"HealthcareCms.Workflows\",medical_category=\"dermatology\",workflow_stage=\"pipeline\"}", metrics);
        Assert.Contains("healthcare_cms_medical_workflows_completed_total{otel_scope_name=\"HealthcareCms.Workflows\",medical_category=\"dermatology\",result=\"rejected\",workflow_stage=\"pipeline\"}", metrics);
        Assert.Contains("healthcare_cms_medical_workflows_duration_seconds_bucket{otel_scope_name=\"HealthcareCms.Workflows\",workflow_stage=\"plugin\",le=\"0.001\"}", metrics);
        Assert.Contains("healthcare_cms_wasm_plugin_calls_total{otel_scope_name=\"HealthcareCms.Wasm\",plugin_name=\"glossary\"}", metrics);
        Assert.Contains("healthcare_cms_wasm_execution_time_seconds_bucket{otel_scope_name=\"HealthcareCms.Wasm\",plugin_name=\"reading_level\",le=\"1E-06\"}", metrics);
        Assert.Contains("healthcare_cms_workflow_queue_pending ", metrics);
        Assert.Contains("healthcare_cms_workflow_queue_oldest_pending_age_seconds ", metrics);
        Assert.Contains("healthcare_cms_workflow_queue_dead_letters ", metrics);
        // No personal data from the post reaches the exposition.
        Assert.DoesNotContain("Pereira", metrics);
    }

    [Fact]
    public async Task The_status_api_reports_the_queue_and_lists_dead_letters_without_post_content()
    {
        await using var db = await OpenAsync();
        var jobId = Guid.NewGuid();
        await using (var insert = db.CreateCommand("""
            INSERT INTO workflow.jobs (id, post_id, post_version, payload, medical_category, state, attempts, available_at, created_at, completed_at, last_error)
            VALUES ($1, $2, 3, $3::jsonb, 'oncology', 'dead_letter', 5, now(), now(), now(), 'stage_error: plugin:glossary=timeout')
            """))
        {
            insert.Parameters.AddWithValue(jobId);
            insert.Parameters.AddWithValue(Guid.NewGuid());
            insert.Parameters.AddWithValue(QueueDatabase.WorkflowPayloadJson("Título secreto", "Corpo secreto da paciente Ana Lima.", "oncology"));
            await insert.ExecuteNonQueryAsync();
        }

        using var client = await TestUsers.AssertedClientAsync(fixture, "workflows", "editor");
        var status = await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/status");
        Assert.Equal("ok", status.GetProperty("status").GetString());
        var queue = status.GetProperty("queue");
        Assert.True(queue.GetProperty("deadLetters").GetInt64() >= 1);
        Assert.Equal(System.Text.Json.JsonValueKind.Number, queue.GetProperty("pending").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Number, queue.GetProperty("running").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Number, queue.GetProperty("oldestPendingAgeSeconds").ValueKind);

        var response = await client.GetAsync("/jobs/dead-letters?limit=50");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(jobId.ToString(), body);
        Assert.Contains("\"errorClass\":\"stage_error\"", body);
        Assert.Contains("\"attempts\":5", body);
        Assert.DoesNotContain("secret", body);
        Assert.DoesNotContain("Ana Lima", body);
        Assert.DoesNotContain("glossary=timeout", body);

        var invalid = await client.GetAsync("/jobs/dead-letters?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("application/problem+json", invalid.Content.Headers.ContentType?.MediaType);
    }

    private async Task<NpgsqlDataSource> OpenAsync() =>
        NpgsqlDataSource.Create((await fixture.App.GetConnectionStringAsync("cmsdb"))!);

    private static Task<Guid> InsertJobAsync(NpgsqlDataSource db, string title, string body, string category = "cardiology") =>
        QueueDatabase.InsertJobAsync(db, title, body, category);

    private static Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql, Guid id) => QueueDatabase.ScalarAsync<T>(db, sql, id);

    private static async Task<string> PollAsync(NpgsqlDataSource db, string sql, Guid id, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            await using var command = db.CreateCommand(sql);
            command.Parameters.AddWithValue(id);
            if (await command.ExecuteScalarAsync() is string value)
            {
                return value;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"No result within {timeout} for: {sql}");
    }
}
