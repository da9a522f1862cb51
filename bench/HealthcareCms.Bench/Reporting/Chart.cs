using System.Diagnostics;
using System.Globalization;
using System.Security;
using System.Text;

namespace HealthcareCms.Bench.Reporting;

/// <summary>
/// One bar per figure with a target: the share of its budget the median uses (median ÷ limit for "at
/// most" targets, limit ÷ median for "at least" ones), so 1.0 is exactly on target and shorter is better.
/// Rendered as SVG, rasterized to PNG with <c>rsvg-convert</c> (apt package <c>librsvg2-bin</c>).
/// </summary>
public static class Chart
{
    private const int Width = 1150;
    private const int LabelWidth = 330;
    private const int BarArea = 480;
    private const int RowHeight = 24;
    private const double MaxShare = 2.0;

    public static string Render(IReadOnlyList<Figure> figures, string title)
    {
        var rows = figures.Where(f => f.Target is not null).ToList();
        var height = 70 + rows.Count * RowHeight + 30;
        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{height}" font-family="DejaVu Sans, sans-serif" font-size="12">""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect width="{Width}" height="{height}" fill="white"/>""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="10" y="22" font-size="15" font-weight="bold">{Escape(title)}</text>""");
        svg.AppendLine("""<text x="10" y="42" fill="#555">share of each target's budget used by the median (1.0 = on target; shorter is better)</text>""");

        var x0 = LabelWidth;
        var targetX = x0 + BarArea / MaxShare;
        for (var i = 0; i < rows.Count; i++)
        {
            var figure = rows[i];
            var y = 60 + i * RowHeight;
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="10" y="{y + 15}">{Escape(figure.Key)}</text>""");
            if (Share(figure) is not { } share)
            {
                svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{x0 + 4}" y="{y + 15}" fill="#888">not measured</text>""");
                continue;
            }

            var width = Math.Max(1, Math.Min(share, MaxShare) / MaxShare * BarArea);
            var color = figure.Outcome == Outcome.Met ? "#2e7d32" : "#c62828";
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect x="{x0}" y="{y + 3}" width="{width:F1}" height="{RowHeight - 8}" fill="{color}"/>""");
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{x0 + width + 6:F1}" y="{y + 15}">{share:F2}  ({Escape(Figure.Format(figure.Target!.OnRatio ? figure.Ratio ?? double.NaN : figure.Median))} vs {Escape(figure.Target.Text)})</text>""");
        }

        var bottom = 60 + rows.Count * RowHeight;
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{targetX:F1}" y1="52" x2="{targetX:F1}" y2="{bottom}" stroke="#333" stroke-dasharray="4,3"/>""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{targetX - 18:F1}" y="{bottom + 16}" fill="#333">target</text>""");
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    public static double? Share(Figure figure)
    {
        if (figure.Target is not { } target || figure.Outcome == Outcome.NotMeasured)
        {
            return null;
        }

        var value = target.OnRatio ? figure.Ratio ?? double.NaN : figure.Median;
        return double.IsNaN(value) ? null
            : target.AtMost && target.Limit == 0 ? (value == 0 ? 0 : MaxShare)
            : target.AtMost ? value / target.Limit
            : value == 0 ? MaxShare : target.Limit / value;
    }

    public static bool RasterizerInstalled() => File.Exists("/usr/bin/rsvg-convert");

    public static async Task<bool> TryRasterizeAsync(string svg, string png)
    {
        if (!RasterizerInstalled())
        {
            return false;
        }

        using var process = Process.Start(new ProcessStartInfo("rsvg-convert", ["-o", png, svg])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        await process.WaitForExitAsync();
        return process.ExitCode == 0;
    }

    private static string Escape(string text) => SecurityElement.Escape(text);
}
