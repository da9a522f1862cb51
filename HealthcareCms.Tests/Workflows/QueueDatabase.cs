using Aspire.Hosting.Testing;
using HealthcareCms.Tests.Infrastructure;
using HealthcareCms.Workflows.Queue;
using Npgsql;

namespace HealthcareCms.Tests.Workflows;

/// <summary>
/// A fresh database on the AppHost's real PostgreSQL, migrated with the worker's own migrator, so queue
/// tests neither see nor feed the running <c>workflows</c> service. Dropped afterwards.
/// </summary>
public sealed class QueueDatabase : IAsyncDisposable
{
    private readonly NpgsqlDataSource _admin;

    private QueueDatabase(NpgsqlDataSource admin, string connectionString, string name)
    {
        _admin = admin;
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
        Name = name;
    }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    public string Name { get; }

    public static async Task<QueueDatabase> CreateAsync(AppHostFixture fixture, bool migrate = true)
    {
        var cmsdb = await fixture.App.GetConnectionStringAsync("cmsdb")
                    ?? throw new InvalidOperationException("No cmsdb connection string.");
        var admin = NpgsqlDataSource.Create(cmsdb);
        var name = $"wfq_{Guid.NewGuid():N}";
        await using (var create = admin.CreateCommand($"CREATE DATABASE {name}"))
        {
            await create.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(cmsdb) { Database = name };
        var database = new QueueDatabase(admin, builder.ConnectionString, name);
        if (migrate)
        {
            await SchemaMigrator.MigrateAsync(database.DataSource, CancellationToken.None);
        }

        return database;
    }

    public Task<Guid> InsertJobAsync(string category = "cardiology", string? title = null) =>
        InsertJobAsync(DataSource, title ?? "Pressão alta", WorkflowTestData.CleanBody, category);

    /// <summary>What the Api does on submission: a pending job with the contract's payload.</summary>
    public static async Task<Guid> InsertJobAsync(NpgsqlDataSource dataSource, string title, string body, string category)
    {
        var id = Guid.NewGuid();
        await using var command = dataSource.CreateCommand("""
            INSERT INTO workflow.jobs (id, post_id, post_version, payload, medical_category, state, available_at, created_at)
            VALUES ($1, $2, 1, $3::jsonb, $4, 'pending', now(), now())
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(Guid.NewGuid());
        command.Parameters.AddWithValue(WorkflowPayloadJson(title, body, category));
        command.Parameters.AddWithValue(category);
        await command.ExecuteNonQueryAsync();
        return id;
    }

    public static string WorkflowPayloadJson(string title, string body, string category) =>
        System.Text.Json.JsonSerializer.Serialize(WorkflowTestData.Payload(body, title, category: category),
            HealthcareCms.Workflows.Pipeline.WorkflowPayload.JsonOptions);

    public Task<T> ScalarAsync<T>(string sql, params object[] parameters) => ScalarAsync<T>(DataSource, sql, parameters);

    public static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<IReadOnlyList<string>> EventsAsync(Guid jobId)
    {
        await using var command = DataSource.CreateCommand("SELECT event FROM workflow.job_events WHERE job_id = $1 ORDER BY id");
        command.Parameters.AddWithValue(jobId);
        var events = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            events.Add(reader.GetString(0));
        }

        return events;
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await using (var drop = _admin.CreateCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await _admin.DisposeAsync();
    }
}
