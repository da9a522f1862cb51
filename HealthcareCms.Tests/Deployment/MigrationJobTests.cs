using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using HealthcareCms.Tests.Infrastructure;
using k8s.Models;
using Npgsql;

namespace HealthcareCms.Tests.Deployment;

/// <summary>
/// The migration Jobs, run for real: the service's build output started with the Job's arguments and the
/// environment the rendered pod would get (its ConfigMaps, and test values for its Secret keys), against a
/// fresh database on the fixture's PostgreSQL.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class MigrationJobTests(AppHostFixture fixture)
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_api_migration_Job_applies_every_migration_to_an_empty_database_and_exits_and_can_run_again()
    {
        var connectionString = await CreateDatabaseAsync();

        var first = await RunJobAsync("api-migrate", "HealthcareCms.Api", connectionString);
        var second = await RunJobAsync("api-migrate", "HealthcareCms.Api", connectionString);

        Assert.True(first.ExitCode == 0, $"first run exited with {first.ExitCode}: {first.Output}");
        Assert.True(second.ExitCode == 0, $"second run exited with {second.ExitCode}: {second.Output}");
        // Every migration in the repository is recorded as applied (EF Core's history table).
        var expected = Directory.GetFiles(Repository.PathOf("HealthcareCms.Api", "Data", "Migrations"), "*.Designer.cs")
            .Select(f => Path.GetFileName(f)[..^".Designer.cs".Length]).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, await AppliedMigrationsAsync(connectionString));
    }

    [Fact(Skip = "The worker has no --migrate-only yet: as of branch workflows@36515e1 it applies its schema at start under an advisory lock, so this Job would never exit. Un-skip when the worker supports it (docs/deploy.md, \"Releasing\").")]
    public async Task The_worker_migration_Job_creates_the_workflow_schema_and_exits()
    {
        var connectionString = await CreateDatabaseAsync();

        var run = await RunJobAsync("workflows-migrate", "HealthcareCms.Workflows", connectionString);

        Assert.True(run.ExitCode == 0, $"exited with {run.ExitCode}: {run.Output}");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var table = new NpgsqlCommand("SELECT to_regclass('workflow.jobs') IS NOT NULL AND to_regclass('workflow.stage_results') IS NOT NULL", connection);
        Assert.Equal(true, await table.ExecuteScalarAsync());
    }

    private static async Task<List<string>> AppliedMigrationsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var find = new NpgsqlCommand(
            "SELECT quote_ident(table_schema) FROM information_schema.tables WHERE table_name = '__EFMigrationsHistory'", connection);
        var schema = (string)(await find.ExecuteScalarAsync() ?? throw new InvalidOperationException("No EF Core migrations history table."));
        await using var select = new NpgsqlCommand($"SELECT * FROM {schema}.\"__EFMigrationsHistory\" ORDER BY 1", connection);
        await using var reader = await select.ExecuteReaderAsync();
        var applied = new List<string>();
        while (await reader.ReadAsync())
        {
            applied.Add(reader.GetString(0));
        }

        return applied;
    }

    private sealed record JobRun(int ExitCode, string Output);

    /// <summary>Runs the Job's container command (entry point + args) with the pod's environment.</summary>
    private static async Task<JobRun> RunJobAsync(string jobName, string project, string connectionString)
    {
        var manifests = await RenderedOverlay.LoadAsync("prod");
        var job = manifests.Workload(jobName);
        var container = job.Container;

        // The test assembly runs from bin/<configuration>/net10.0: the services were built with the same configuration.
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(Repository.PathOf(project, "bin", configuration, "net10.0", $"{project}.dll"));
        foreach (var arg in container.Args ?? [])
        {
            startInfo.ArgumentList.Add(arg);
        }

        startInfo.Environment.Clear();
        foreach (var name in new[] { "PATH", "HOME", "DOTNET_ROOT" })
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
            {
                startInfo.Environment[name] = value;
            }
        }

        foreach (var source in container.EnvFrom ?? [])
        {
            foreach (var (key, value) in manifests.ConfigMap(source.ConfigMapRef.Name).Data)
            {
                startInfo.Environment[key] = value;
            }
        }

        foreach (var env in container.Env ?? [])
        {
            startInfo.Environment[env.Name] = env.ValueFrom?.SecretKeyRef is { } secret
                ? SecretValue(secret, connectionString)
                : env.Value;
        }

        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(JobTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            return new JobRun(-1, $"did not exit within {JobTimeout.TotalSeconds} s");
        }

        return new JobRun(process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Test values for the Secret keys docs/deploy.md lists (the database ones point at the fresh database).</summary>
    private static string SecretValue(V1SecretKeySelector secret, string connectionString) =>
        secret.Key.StartsWith("cmsdb", StringComparison.Ordinal)
            ? connectionString
            : secret.Key == "admin-email" ? "admin@k8s-job-test.local" : Convert.ToBase64String(Guid.NewGuid().ToByteArray()) + Guid.NewGuid().ToString("N");

    private async Task<string> CreateDatabaseAsync()
    {
        var server = await fixture.App.GetConnectionStringAsync("cmsdb") ?? throw new InvalidOperationException("No cmsdb connection string.");
        var name = $"k8s_job_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }
}
