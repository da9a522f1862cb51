using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace HealthcareCms.Bench.Reporting;

/// <summary>Run facts printed above the table.</summary>
public sealed record RunInfo(
    string Mode, string Command, DateTimeOffset StartedAt, TimeSpan Duration, string Commit,
    string LoadBefore, string LoadAfter, IReadOnlyList<string> Notes);

/// <summary>Writes <c>latest.md</c> (table + notes), <c>latest.txt</c> (one <c>key: value</c> per figure) and <c>latest.png</c>.</summary>
public static class ResultWriter
{
    public static async Task<IReadOnlyList<string>> WriteAsync(string directory, RunInfo run, IReadOnlyList<Figure> figures)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();

        var markdown = Path.Combine(directory, "latest.md");
        await File.WriteAllTextAsync(markdown, Markdown(run, figures));
        written.Add(markdown);

        var text = Path.Combine(directory, "latest.txt");
        await File.WriteAllTextAsync(text, string.Concat(figures.Select(f => $"{f.Key}: {f.MachineValue}\n")));
        written.Add(text);

        var svg = Path.Combine(directory, "latest.svg");
        await File.WriteAllTextAsync(svg, Chart.Render(figures, $"Healthcare CMS benchmarks ({run.Mode}, {run.StartedAt:yyyy-MM-dd HH:mm} UTC)"));
        var png = Path.Combine(directory, "latest.png");
        if (await Chart.TryRasterizeAsync(svg, png))
        {
            written.Add(png);
            File.Delete(svg);
        }
        else
        {
            written.Add(svg);
        }

        return written;
    }

    public static string Markdown(RunInfo run, IReadOnlyList<Figure> figures)
    {
        var md = new StringBuilder();
        md.AppendLine("# Benchmark results (latest)");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- Command: `{run.Command}`");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Mode: {run.Mode}; started {run.StartedAt:yyyy-MM-dd HH:mm:ss} UTC; took {run.Duration.TotalMinutes:F1} min; commit `{run.Commit}`");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; load average before {run.LoadBefore}, after {run.LoadAfter}");
        foreach (var note in run.Notes)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
        }

        md.AppendLine();
        md.AppendLine("| figure | median | min–max | baseline (same run) | ratio | target | result |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var f in figures)
        {
            var measured = f.Outcome != Outcome.NotMeasured;
            md.Append(CultureInfo.InvariantCulture, $"| `{f.Key}` {f.Title} ");
            md.Append(CultureInfo.InvariantCulture, $"| {(measured ? $"{Figure.Format(f.Median)} {f.Unit}" : "–")} ");
            md.Append(CultureInfo.InvariantCulture, $"| {(measured ? $"{Figure.Format(f.Min)}–{Figure.Format(f.Max)} (n={f.Samples.Count})" : "–")} ");
            md.Append(CultureInfo.InvariantCulture, $"| {f.Baseline ?? "–"} ");
            md.Append(CultureInfo.InvariantCulture, $"| {(f.Ratio is { } r ? r.ToString("F2", CultureInfo.InvariantCulture) : "–")} ");
            md.Append(CultureInfo.InvariantCulture, $"| {f.Target?.Text ?? "–"} ");
            md.AppendLine(CultureInfo.InvariantCulture, $"| {OutcomeText(f)} |");
        }

        var notes = figures.Where(f => f.Note is not null || f.Reason is not null).ToList();
        if (notes.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## Notes per figure");
            md.AppendLine();
            foreach (var f in notes)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- `{f.Key}`: {f.Reason ?? f.Note}");
            }
        }

        md.AppendLine();
        md.AppendLine("## Samples (one per run)");
        md.AppendLine();
        foreach (var f in figures.Where(f => f.Samples.Count > 0))
        {
            var ratios = f.Ratios is { Count: > 0 }
                ? "; ratios " + string.Join(", ", f.Ratios.Select(r => r.ToString("F3", CultureInfo.InvariantCulture)))
                : "";
            md.AppendLine(CultureInfo.InvariantCulture, $"- `{f.Key}` ({f.Unit}): {string.Join(", ", f.Samples.Select(Figure.Format))}{ratios}");
        }

        return md.ToString();
    }

    public static string OutcomeText(Figure figure) => figure.Outcome switch
    {
        Outcome.Met => "met",
        Outcome.Missed => "**missed**",
        Outcome.Info => "(baseline/context)",
        _ => $"not measured: {figure.Reason}",
    };

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    public static string GitCommit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", ["-C", Infrastructure.BenchPaths.Root, "rev-parse", "--short", "HEAD"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            var commit = git?.StandardOutput.ReadToEnd().Trim();
            git?.WaitForExit();
            return string.IsNullOrEmpty(commit) ? "unknown" : commit;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
