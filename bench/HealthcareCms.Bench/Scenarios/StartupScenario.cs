using HealthcareCms.Bench.Infrastructure;
using HealthcareCms.Bench.Reporting;

namespace HealthcareCms.Bench.Scenarios;

/// <summary>
/// AppHost start-up to every resource healthy, fresh (a new data directory: initdb, migrations) and warm (the
/// same data directory again). The last warm AppHost stays up: its PostgreSQL hosts the bench database.
/// </summary>
public sealed class StartupScenario : Scenario
{
    public override string Name => "startup";

    public override IReadOnlyList<Figure> Declare() =>
    [
        new("startup_fresh_s", "start-up: AppHost to all resources healthy, fresh data directory", "s", [], Target.Max(15, "≤ 15 s")),
        new("startup_warm_s", "start-up: AppHost to all resources healthy, existing data directory", "s", [], Target.Max(15, "≤ 15 s")),
    ];

    /// <summary>Not used: start-up runs before the services exist (<see cref="MeasureAsync"/>).</summary>
    public override Task<IReadOnlyList<Figure>> RunAsync(BenchContext context) =>
        throw new NotSupportedException("Start-up is measured by MeasureAsync before the services start.");

    public async Task<(IReadOnlyList<Figure> Figures, ChildProcess AppHost, string DataDirectory)> MeasureAsync(BenchContext context)
    {
        var timeout = TimeSpan.FromMinutes(2);
        var fresh = new List<double>();
        var warm = new List<double>();
        string? warmDirectory = null;
        for (var run = 0; run < context.Options.StartupRuns; run++)
        {
            var directory = Path.Combine(Path.GetTempPath(), $"hcms-bench-{Guid.NewGuid():N}");
            var (appHost, elapsed) = await AppHostRunner.StartAsync($"apphost-fresh-{run + 1}", directory, context.Http, timeout);
            fresh.Add(elapsed.TotalSeconds);
            context.Log($"start-up fresh {run + 1}: {elapsed.TotalSeconds:F1} s");
            await AppHostRunner.StopAsync(appHost);
            if (warmDirectory is null)
            {
                warmDirectory = directory;
            }
            else
            {
                TryDelete(directory);
            }
        }

        ChildProcess? running = null;
        for (var run = 0; run < context.Options.StartupRuns; run++)
        {
            var (appHost, elapsed) = await AppHostRunner.StartAsync($"apphost-warm-{run + 1}", warmDirectory!, context.Http, timeout);
            warm.Add(elapsed.TotalSeconds);
            context.Log($"start-up warm {run + 1}: {elapsed.TotalSeconds:F1} s");
            if (run < context.Options.StartupRuns - 1)
            {
                await AppHostRunner.StopAsync(appHost);
            }
            else
            {
                running = appHost;
            }
        }

        const string note = "`dotnet run --project HealthcareCms.AppHost --no-build` (already built) until the three management /health and Prometheus /-/ready answer 200";
        IReadOnlyList<Figure> figures =
        [
            Measured("startup_fresh_s", fresh, note: note + "; fresh = new data directory (initdb, database creation, migrations)"),
            Measured("startup_warm_s", warm, note: note + "; warm = the same data directory again"),
        ];
        return (figures, running!, warmDirectory!);
    }

    public static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // still in use; it is under the temp directory
        }
        catch (UnauthorizedAccessException)
        {
            // owned by the postgres user without write access for us; under the temp directory
        }
    }
}
