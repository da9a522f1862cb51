using System.Diagnostics;
using System.Globalization;
using HealthcareCms.Bench.Infrastructure;
using HealthcareCms.Bench.Load;
using HealthcareCms.Bench.Reporting;
using HealthcareCms.Bench.Scenarios;
using HealthcareCms.Bench.Servers;

namespace HealthcareCms.Bench;

/// <summary>
/// The harness: gets a running system (AppHost for start-up and PostgreSQL; Release builds of the services on
/// free ports for the loads), runs every scenario, writes <c>latest.md</c>, <c>latest.txt</c>, <c>latest.png</c>.
/// </summary>
public static class BenchRunner
{
    public const int PublishedPosts = 400;
    public const int DraftPosts = 100;

    public static async Task<int> RunAsync(string[] args)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }

        if (Prerequisite(options) is { } missing)
        {
            Console.Error.WriteLine(missing);
            return 2;
        }

        var clock = Stopwatch.StartNew();
        var startedAt = DateTimeOffset.UtcNow;
        var loadBefore = ResultWriter.LoadAverage();
        void Log(string message) => Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] {message}");

        if (options.Build && !await BuildAsync(Log))
        {
            return 2;
        }

        using var http = Http.CreateClient();
        var context = new BenchContext(options, http, Log);
        var figures = new List<Figure>();
        var startup = new StartupScenario();
        Scenario[] scenarios = [new ThroughputScenario(), new ProtectedScenario(), new PolicyScenario(), new WorkflowScenario(), new ScrapeScenario(), new MemoryScenario()];
        ChildProcess? appHost = null;
        string? appHostData = null;
        var failed = false;
        try
        {
            string serverConnectionString;
            if (options.ConnectionString is null)
            {
                Log("start-up: AppHost on the development ports");
                (var startupFigures, appHost, appHostData) = await startup.MeasureAsync(context);
                figures.AddRange(startupFigures);
                serverConnectionString = AppHostRunner.PostgresConnectionString();
            }
            else
            {
                figures.AddRange(startup.NotMeasured(
                    "this run was given a PostgreSQL server (--connection-string, as the test suite's smoke run is); AppHost start-up uses the fixed development ports and is measured by --mode full"));
                serverConnectionString = options.ConnectionString;
            }

            context.Database = await BenchDatabase.CreateAsync(serverConnectionString);
            Log($"bench database {context.Database.Name}");
            try
            {
                context.Services = await ServiceSet.StartAsync(context.Database.ConnectionString, http, Log);
                await context.Database.SeedPostsAsync(PublishedPosts, DraftPosts);
                await StartCeilingAsync(context);
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or Npgsql.NpgsqlException or HttpRequestException)
            {
                Log($"the system did not start: {ex.Message}");
                failed = true;
            }

            foreach (var scenario in scenarios)
            {
                Log($"scenario {scenario.Name}");
                try
                {
                    figures.AddRange(await scenario.RunAsync(context));
                }
                catch (Exception ex)
                {
                    Log($"scenario {scenario.Name} failed: {ex}");
                    figures.AddRange(scenario.NotMeasured($"failed: {ex.Message.Split('\n')[0]}"));
                    failed = true;
                }
            }
        }
        finally
        {
            if (context.Ceiling is not null)
            {
                await context.Ceiling.DisposeAsync();
            }

            if (context.Services is not null)
            {
                await context.Services.DisposeAsync();
            }

            if (context.Database is not null)
            {
                await context.Database.DisposeAsync();
            }

            if (appHost is not null)
            {
                await AppHostRunner.StopAsync(appHost);
                StartupScenario.TryDelete(appHostData!);
            }
        }

        var order = new[] { "ceiling", "telemetry_ratio_public", "public", "protected", "telemetry_ratio_phi", "policy", "workflow", "wasm", "scrape", "startup", "peak_rss" };
        var ordered = figures.OrderBy(f => Array.FindIndex(order, prefix => f.Key.StartsWith(prefix, StringComparison.Ordinal))).ToList();
        var notes = new List<string>
        {
            "Every figure is the median of the runs listed under Samples; ratios are against baselines measured in this same run (absolute numbers drift ±15 % on this machine).",
            "Load generator, harness and services share the machine's cores (wrk -t2; the harness's fixed-rate client; the services; PostgreSQL).",
        };
        if (double.TryParse(loadBefore.Split(' ')[0], CultureInfo.InvariantCulture, out var load1) && load1 > 0.5)
        {
            notes.Add($"The machine was not idle when the run started (1-min load average {load1:F2}): other processes (other builds and test runs) were competing for the CPUs, so absolute throughput is depressed and latency tails are inflated; ratios are affected less.");
        }

        var run = new RunInfo(options.Mode.ToString().ToLowerInvariant(), options.CommandLine, startedAt, clock.Elapsed,
            ResultWriter.GitCommit(), loadBefore, ResultWriter.LoadAverage(), notes);
        var written = await ResultWriter.WriteAsync(options.OutputDirectory, run, ordered);
        Console.WriteLine(ResultWriter.Markdown(run, ordered));
        foreach (var file in written)
        {
            Log($"wrote {file}");
        }

        return failed ? 1 : 0;
    }

    private static string? Prerequisite(BenchOptions options)
    {
        if (!Wrk.IsInstalled())
        {
            return "The harness needs wrk: apt-get install -y wrk";
        }

        if (options.Mode == BenchMode.Full && !Chart.RasterizerInstalled())
        {
            return "The full run renders its chart with rsvg-convert: apt-get install -y librsvg2-bin";
        }

        if (options.ConnectionString is null && AppHostRunner.BusyPorts() is { Count: > 0 } busy)
        {
            return $"The AppHost's development ports are in use ({string.Join(", ", busy)}): stop whatever listens there " +
                   "(another AppHost?) or pass --connection-string to run against an existing PostgreSQL without the start-up figures.";
        }

        return null;
    }

    private static async Task<bool> BuildAsync(Action<string> log)
    {
        log($"building the AppHost and the services ({BenchPaths.Configuration})");
        var project = Path.Combine(BenchPaths.Root, "HealthcareCms.AppHost", "HealthcareCms.AppHost.csproj");
        using var process = Process.Start(new ProcessStartInfo("dotnet", ["build", "-c", BenchPaths.Configuration, project, "-nologo", "-v", "q"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            Console.Error.WriteLine(await output + await error);
            return false;
        }

        return true;
    }

    private static async Task StartCeilingAsync(BenchContext context)
    {
        var port = Ports.Free();
        var (fileName, prefix) = BenchPaths.SelfCommand();
        context.Ceiling = ChildProcess.Start("ceiling", fileName,
            [.. prefix, CeilingServer.Command, "--port", port.ToString(CultureInfo.InvariantCulture)],
            new Dictionary<string, string?> { ["DOTNET_gcServer"] = "1" });
        context.CeilingUrl = $"http://127.0.0.1:{port}";
        await context.Ceiling.WaitUntilReadyAsync(context.Http, context.CeilingUrl + "/", TimeSpan.FromSeconds(30));
    }
}
