using HealthcareCms.Bench.Infrastructure;
using HealthcareCms.Bench.Reporting;

namespace HealthcareCms.Bench.Scenarios;

/// <summary>What every scenario can use: the options, the launched services and their database.</summary>
public sealed class BenchContext(BenchOptions options, HttpClient http, Action<string> log)
{
    public BenchOptions Options { get; } = options;

    public HttpClient Http { get; } = http;

    public ServiceSet? Services { get; set; }

    public BenchDatabase? Database { get; set; }

    public ChildProcess? Ceiling { get; set; }

    public string? CeilingUrl { get; set; }

    public void Log(string message) => log(message);

    public ServiceSet RequireServices() => Services ?? throw new InvalidOperationException("the services did not start");
}

/// <summary>
/// One measured area. <see cref="Declare"/> names every figure it reports (with its target), so a scenario that
/// cannot run still shows each of its figures in the table as "not measured" with the reason.
/// </summary>
public abstract class Scenario
{
    public abstract string Name { get; }

    public abstract IReadOnlyList<Figure> Declare();

    public abstract Task<IReadOnlyList<Figure>> RunAsync(BenchContext context);

    public IReadOnlyList<Figure> NotMeasured(string reason) =>
        Declare().Select(f => f with { NotMeasuredReason = reason }).ToList();

    /// <summary>The declared figure <paramref name="key"/> with its measured samples.</summary>
    protected Figure Measured(string key, IReadOnlyList<double> samples, string? baseline = null, IReadOnlyList<double>? ratios = null, string? note = null) =>
        Declare().Single(f => f.Key == key) with
        {
            Samples = samples,
            Baseline = baseline,
            Ratios = ratios,
            Note = note,
            NotMeasuredReason = null,
        };
}
