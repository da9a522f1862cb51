using System.Text.Json;
using System.Text.RegularExpressions;
using HealthcareCms.Tests.Infrastructure;
using Aspire.Hosting.Testing;
using Npgsql;

namespace HealthcareCms.Tests.Content;

/// <summary>Shared steps of the content, PHI, LGPD and audit tests: posts, the database, the outbox (metrics: <see cref="MetricsScrape"/>).</summary>
public static partial class ContentTestKit
{
    public const string CleanBody =
        "Hypertension is common in adults. Regular check-ups, less salt and daily walks help to control it. Results may vary.";

    public static async Task<NpgsqlConnection> OpenDatabaseAsync(AppHostFixture fixture)
    {
        // No pooling: a test that restarts PostgreSQL must not leave broken pooled connections to the next one.
        var connectionString = new NpgsqlConnectionStringBuilder(await fixture.App.GetConnectionStringAsync("cmsdb")) { Pooling = false };
        var connection = new NpgsqlConnection(connectionString.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public static async Task<T?> ScalarAsync<T>(AppHostFixture fixture, string sql, params object[] parameters)
    {
        await using var connection = await OpenDatabaseAsync(fixture);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    public static async Task<int> ExecuteAsync(AppHostFixture fixture, string sql, params object[] parameters)
    {
        await using var connection = await OpenDatabaseAsync(fixture);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return await command.ExecuteNonQueryAsync();
    }

    public static async Task<JsonElement> CreatePostAsync(HttpClient physician, string? body = null, string category = "cardiology")
    {
        using var response = await physician.PostAsJsonAsync("/api/posts",
            new { title = $"Post {Guid.NewGuid():N}", body = body ?? CleanBody, medicalCategory = category });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static Guid Id(this JsonElement element) => element.GetProperty("id").GetGuid();

    /// <summary>
    /// Puts the post in <c>submitted</c> at <paramref name="version"/> with a <c>running</c> job whose lease (an hour,
    /// owner <c>content-test</c>) the real worker respects: the job stays where the test put it.
    /// </summary>
    public static async Task<Guid> SubmitWithHeldJobAsync(AppHostFixture fixture, Guid postId, int version, string category)
    {
        var jobId = Guid.NewGuid();
        await ExecuteAsync(fixture, """
            INSERT INTO workflow.jobs (id, post_id, post_version, payload, medical_category, state, attempts, available_at,
                lease_owner, lease_expires_at, created_at, started_at)
            VALUES ($1, $2, $3, '{}'::jsonb, $4, 'running', 1, now(), 'content-test', now() + interval '1 hour', now(), now())
            """, jobId, postId, version, category);
        await ExecuteAsync(fixture, "UPDATE cms.posts SET status = 'submitted', version = $3, workflow_job_id = $1 WHERE id = $2", jobId, postId, version);
        return jobId;
    }

    public static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Polls the post until it reaches one of <paramref name="statuses"/>.</summary>
    public static async Task<string> WaitForStatusAsync(HttpClient client, Guid postId, params string[] statuses)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string status;
        do
        {
            status = (await GetJsonAsync(client, $"/api/posts/{postId}")).GetProperty("status").GetString()!;
            if (statuses.Contains(status))
            {
                return status;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"The post stayed '{status}', expected one of {string.Join(", ", statuses)}.");
    }

    /// <summary>A post the real worker approved (clean text, by a physician with CRM/UF).</summary>
    public static async Task<Guid> ApprovedPostAsync(HttpClient physician)
    {
        var post = await CreatePostAsync(physician);
        using var submit = await physician.PostAsync($"/api/posts/{post.Id()}/submit", null);
        Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        var status = await WaitForStatusAsync(physician, post.Id(), "approved", "changes_requested");
        Assert.True(status == "approved", $"The worker answered {status}: {await physician.GetStringAsync($"/api/posts/{post.Id()}/workflow")}");
        return post.Id();
    }

    /// <summary>The token in the newest confirmation email to <paramref name="email"/> (the dev outbox).</summary>
    public static async Task<string> ConfirmationTokenAsync(AppHostFixture fixture, string email)
    {
        var body = await ScalarAsync<string>(fixture,
            "SELECT body FROM cms.outbox_emails WHERE to_address = $1 ORDER BY created_at DESC LIMIT 1", email)
            ?? throw new InvalidOperationException("No confirmation email in the outbox.");
        return TokenInBody().Match(body).Groups[1].Value;
    }

    /// <summary>A valid CPF with fresh digits (check digits computed).</summary>
    public static string NewCpf()
    {
        var digits = new int[11];
        do
        {
            for (var i = 0; i < 9; i++)
            {
                digits[i] = Random.Shared.Next(10);
            }
        }
        while (digits.Take(9).Distinct().Count() == 1);

        digits[9] = CheckDigit(digits, 9);
        digits[10] = CheckDigit(digits, 10);
        return string.Concat(digits);
    }

    private static int CheckDigit(int[] digits, int length)
    {
        var sum = 0;
        for (var i = 0; i < length; i++)
        {
            sum += digits[i] * (length + 1 - i);
        }

        var remainder = sum % 11;
        return remainder < 2 ? 0 : 11 - remainder;
    }

    [GeneratedRegex(@"/confirm: (\S+)")]
    private static partial Regex TokenInBody();
}
