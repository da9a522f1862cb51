using System.Globalization;

namespace HealthcareCms.Bench;

public enum BenchMode
{
    /// <summary>The real run: every figure, ≥ 3 runs each, ~10–15 min on 2 cores.</summary>
    Full,

    /// <summary>Every available scenario for a few seconds, one run: proves the harness works.</summary>
    Smoke,
}

/// <summary>Command line: <c>--mode full|smoke [--out DIR] [--connection-string CS] [--no-build]</c>.</summary>
public sealed record BenchOptions(
    BenchMode Mode,
    string OutputDirectory,
    string? ConnectionString,
    bool Build,
    int Rounds,
    TimeSpan WrkDuration,
    TimeSpan WarmupDuration,
    int OpenLoopRuns,
    TimeSpan OpenLoopDuration,
    double OpenLoopRate,
    int StartupRuns,
    int ScrapesPerService,
    int PolicyEvaluations)
{
    public const int Connections = 50;

    public static BenchOptions Parse(string[] args)
    {
        string? Value(string name)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
        }

        var mode = (Value("--mode") ?? "full").ToLowerInvariant() switch
        {
            "full" => BenchMode.Full,
            "smoke" => BenchMode.Smoke,
            var other => throw new ArgumentException($"--mode must be full or smoke, not '{other}'."),
        };
        var output = Path.GetFullPath(Value("--out") ?? Infrastructure.BenchPaths.ResultsDirectory);
        var connectionString = Value("--connection-string");
        var build = !args.Contains("--no-build");

        var options = mode == BenchMode.Full
            ? new BenchOptions(mode, output, connectionString, build,
                Rounds: 5, WrkDuration: TimeSpan.FromSeconds(10), WarmupDuration: TimeSpan.FromSeconds(3),
                OpenLoopRuns: 3, OpenLoopDuration: TimeSpan.FromSeconds(10), OpenLoopRate: 1000,
                StartupRuns: 3, ScrapesPerService: 9, PolicyEvaluations: 200_000)
            : new BenchOptions(mode, output, connectionString, build,
                Rounds: 1, WrkDuration: TimeSpan.FromSeconds(2), WarmupDuration: TimeSpan.FromSeconds(2),
                OpenLoopRuns: 1, OpenLoopDuration: TimeSpan.FromSeconds(2), OpenLoopRate: 200,
                StartupRuns: 1, ScrapesPerService: 3, PolicyEvaluations: 20_000);

        if (Value("--rounds") is { } rounds)
        {
            options = options with { Rounds = int.Parse(rounds, CultureInfo.InvariantCulture) };
        }

        return options;
    }

    public string CommandLine => Mode == BenchMode.Full
        ? "dotnet run -c Release --project bench/HealthcareCms.Bench -- --mode full"
        : "dotnet run -c Release --project bench/HealthcareCms.Bench -- --mode smoke";
}
