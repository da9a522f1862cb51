using System.Globalization;
using HealthcareCms.Bench.Load;

namespace HealthcareCms.Bench.Reporting;

public enum Outcome
{
    Met,
    Missed,

    /// <summary>Measured, no target (a baseline or a context figure).</summary>
    Info,

    /// <summary>The capability is not in this build (or the run could not measure it); the reason says which.</summary>
    NotMeasured,
}

/// <summary>A target on a figure's median (or on its ratio to the baseline).</summary>
public sealed record Target(string Text, double Limit, bool AtMost, bool OnRatio = false)
{
    public static Target Max(double limit, string text) => new(text, limit, AtMost: true);

    public static Target Min(double limit, string text) => new(text, limit, AtMost: false);

    public static Target MaxRatio(double limit, string text) => new(text, limit, AtMost: true, OnRatio: true);

    public static Target MinRatio(double limit, string text) => new(text, limit, AtMost: false, OnRatio: true);

    public bool IsMetBy(double value) => AtMost ? value <= Limit : value >= Limit;
}

/// <summary>
/// One headline figure: the per-run samples (median, min–max), the baseline measured in the same run
/// and the figure's ratio to it (median of the per-run ratios), and its target.
/// </summary>
public sealed record Figure(
    string Key,
    string Title,
    string Unit,
    IReadOnlyList<double> Samples,
    Target? Target = null,
    string? Baseline = null,
    IReadOnlyList<double>? Ratios = null,
    string? Note = null,
    string? NotMeasuredReason = null)
{
    public double Median => Stats.Median(Samples);

    public double Min => Samples.Count == 0 ? double.NaN : Samples.Min();

    public double Max => Samples.Count == 0 ? double.NaN : Samples.Max();

    public double? Ratio => Ratios is { Count: > 0 } ? Stats.Median(Ratios) : null;

    /// <summary>Why there is no figure: the scenario's reason, or a run that produced no finite value.</summary>
    public string? Reason => NotMeasuredReason
        ?? (Samples.Any(s => !double.IsFinite(s)) || Ratios?.Any(r => !double.IsFinite(r)) == true
            ? "a run produced no finite value (it completed no requests)"
            : null);

    public Outcome Outcome => Reason is not null || Samples.Count == 0 ? Outcome.NotMeasured
        : Target is null ? Outcome.Info
        : Target.IsMetBy(Target.OnRatio ? Ratio ?? double.NaN : Median) ? Outcome.Met
        : Outcome.Missed;

    public static Figure NotMeasured(string key, string title, string unit, Target? target, string reason) =>
        new(key, title, unit, [], target, NotMeasuredReason: reason);

    public static string Format(double value) => double.IsNaN(value) ? "–"
        : Math.Abs(value) >= 1000 ? value.ToString("N0", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 100 ? value.ToString("F0", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 10 ? value.ToString("F1", CultureInfo.InvariantCulture)
        : value.ToString("F2", CultureInfo.InvariantCulture);

    /// <summary>The machine-readable value: the median (the ratio for ratio figures is its own sample).</summary>
    public string MachineValue => Outcome == Outcome.NotMeasured
        ? "NA"
        : Median.ToString(Math.Abs(Median) >= 100 ? "F1" : "F3", CultureInfo.InvariantCulture);
}
