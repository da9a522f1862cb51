using System.Globalization;
using Npgsql;

namespace HealthcareCms.Bench.Infrastructure;

/// <summary>
/// A database of its own on the given PostgreSQL server (<c>bench_&lt;timestamp&gt;</c>): the services the
/// harness launches migrate it at start, the harness seeds it directly in SQL, and drops it at the end.
/// </summary>
public sealed class BenchDatabase : IAsyncDisposable
{
    private readonly string _serverConnectionString;

    private BenchDatabase(string serverConnectionString, string name)
    {
        _serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static async Task<BenchDatabase> CreateAsync(string serverConnectionString)
    {
        var name = $"bench_{DateTime.UtcNow:yyyyMMddHHmmss}_{Random.Shared.Next(1000, 9999)}";
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = "postgres" }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return new BenchDatabase(serverConnectionString, name);
    }

    /// <summary>Published posts (newest first by publication time) plus drafts the public list must skip.</summary>
    public async Task SeedPostsAsync(int published, int drafts)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        const string sql = """
            INSERT INTO cms.posts (id, title, body, medical_category, status, author_id, version, created_at, updated_at, published_at)
            SELECT gen_random_uuid(),
                   'Benchmark post ' || g,
                   repeat('Orientação de saúde para pacientes: hidratação, sono e consultas regulares. ', 20),
                   (ARRAY['cardiology','dermatology','pediatrics','general'])[1 + g % 4],
                   CASE WHEN g <= @published THEN 'published' ELSE 'draft' END,
                   gen_random_uuid(), 1,
                   now() - g * interval '1 hour', now() - g * interval '1 hour',
                   CASE WHEN g <= @published THEN now() - g * interval '1 hour' END
            FROM generate_series(1, @published + @drafts) AS g
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("published", published);
        command.Parameters.AddWithValue("drafts", drafts);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L, CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_serverConnectionString) { Database = "postgres" }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
