using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace HealthcareCms.Bench.Infrastructure;

/// <summary>
/// Runs the AppHost as a developer does (<c>dotnet run --project HealthcareCms.AppHost --no-build</c>), on its
/// fixed development ports, and times it until every resource answers healthy.
/// </summary>
public static class AppHostRunner
{
    /// <summary>api, policy, workflows, their management ports, Prometheus, PostgreSQL, dashboard (+ OTLP, resource service).</summary>
    public static readonly int[] DevelopmentPorts = [5080, 5082, 5083, 9101, 9102, 9103, 9090, 5433, 18888, 18889, 18890];

    public const int PostgresPort = 5433;

    /// <summary>What "all resources healthy" means: each service's readiness and Prometheus' readiness.</summary>
    public static readonly string[] HealthUrls =
    [
        "http://localhost:9101/health",
        "http://localhost:9102/health",
        "http://localhost:9103/health",
        "http://localhost:9090/-/ready",
    ];

    public static IReadOnlyList<int> BusyPorts() => DevelopmentPorts.Where(Ports.InUse).ToList();

    /// <summary>Starts the AppHost on <paramref name="dataDirectory"/> and returns once every resource is healthy.</summary>
    public static async Task<(ChildProcess AppHost, TimeSpan Elapsed)> StartAsync(
        string name, string dataDirectory, HttpClient http, TimeSpan timeout)
    {
        var project = Path.Combine(BenchPaths.Root, "HealthcareCms.AppHost", "HealthcareCms.AppHost.csproj");
        var stopwatch = Stopwatch.StartNew();
        var appHost = ChildProcess.Start(name, "dotnet",
            ["run", "-c", BenchPaths.Configuration, "--project", project, "--no-build", "--", $"--HealthcareCms:DataDirectory={dataDirectory}"],
            new Dictionary<string, string?> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" },
            BenchPaths.Root, ownGroup: true);

        var pending = HealthUrls.ToList();
        while (pending.Count > 0)
        {
            if (appHost.HasExited)
            {
                throw new InvalidOperationException($"The AppHost exited before all resources were healthy:\n{appHost.Tail()}");
            }

            if (stopwatch.Elapsed > timeout)
            {
                await StopAsync(appHost);
                throw new TimeoutException($"Not healthy within {timeout.TotalSeconds} s: {string.Join(", ", pending)}\n{appHost.Tail()}");
            }

            foreach (var url in pending.ToList())
            {
                if (await Http.IsSuccessAsync(http, url))
                {
                    pending.Remove(url);
                }
            }

            if (pending.Count > 0)
            {
                await Task.Delay(100);
            }
        }

        return (appHost, stopwatch.Elapsed);
    }

    /// <summary>Ctrl+C to the AppHost's process group, then waits until its ports are released.</summary>
    public static async Task StopAsync(ChildProcess appHost)
    {
        await appHost.StopAsync(TimeSpan.FromSeconds(30), interrupt: true);
        var deadline = Stopwatch.StartNew();
        while (BusyPorts().Count > 0 && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(250);
        }
    }

    /// <summary>
    /// The connection string of the AppHost's PostgreSQL (superuser, database <c>postgres</c>): the password is
    /// the AppHost's persisted <c>pg-password</c> parameter, in its user secrets.
    /// </summary>
    public static string PostgresConnectionString()
    {
        var csproj = File.ReadAllText(Path.Combine(BenchPaths.Root, "HealthcareCms.AppHost", "HealthcareCms.AppHost.csproj"));
        var id = Regex.Match(csproj, "<UserSecretsId>([^<]+)</UserSecretsId>").Groups[1].Value;
        var secrets = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".microsoft", "usersecrets", id, "secrets.json");
        using var document = JsonDocument.Parse(File.ReadAllText(secrets));
        var password = document.RootElement.GetProperty("Parameters:pg-password").GetString()
            ?? throw new InvalidOperationException("The AppHost's pg-password parameter is empty.");
        return new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = PostgresPort,
            Username = "postgres",
            Password = password,
            Database = "postgres",
        }.ConnectionString;
    }
}
