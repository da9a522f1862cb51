using System.Diagnostics;
using HealthcareCms.Bench.Infrastructure;
using HealthcareCms.Bench.Load;
using HealthcareCms.Bench.Reporting;
using HealthcareCms.Bench.Servers;

namespace HealthcareCms.Bench.Scenarios;

/// <summary>
/// Cost of one <c>/metrics</c> scrape of each service after the load runs (time to the last byte, and size),
/// against prometheus-net serving the same families, label sets and buckets from a Kestrel process of its
/// own (<see cref="PromNetServer"/>). Scrapes alternate between the two and are spaced beyond the
/// OpenTelemetry exporter's 300 ms response cache, so every OpenTelemetry scrape is a fresh collection.
/// </summary>
public sealed class ScrapeScenario : Scenario
{
    private static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(400);

    public static readonly string[] ServiceNames = ["api", "policy", "workflows"];

    public override string Name => "scrape";

    public override IReadOnlyList<Figure> Declare() =>
        ServiceNames.SelectMany(service => new Figure[]
        {
            new($"scrape_ms_{service}", $"scrape time, {service} /metrics (OpenTelemetry exporter)", "ms", [], Target.MaxRatio(1.0, "≤ prometheus-net (ratio ≤ 1.00)")),
            new($"scrape_kib_{service}", $"scrape size, {service} /metrics", "KiB", []),
        }).ToList();

    public override async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context)
    {
        var services = context.RequireServices();
        var figures = new List<Figure>();
        foreach (var service in new[] { services.Api, services.Policy, services.Workflows })
        {
            figures.AddRange(await MeasureAsync(context, service));
        }

        return figures;
    }

    private async Task<IReadOnlyList<Figure>> MeasureAsync(BenchContext context, RunningService service)
    {
        var otelUrl = service.ManagementUrl + "/metrics";
        var exposition = await context.Http.GetStringAsync(otelUrl);
        var families = Exposition.Parse(exposition);
        var file = Path.Combine(BenchPaths.WorkDirectory, $"{service.Name}-metrics.prom");
        await File.WriteAllTextAsync(file, exposition);

        var port = Ports.Free();
        var (fileName, prefix) = BenchPaths.SelfCommand();
        await using var promnet = ChildProcess.Start($"promnet-{service.Name}", fileName,
            [.. prefix, PromNetServer.Command, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--exposition", file],
            new Dictionary<string, string?> { ["DOTNET_gcServer"] = "1" });
        var promnetUrl = $"http://127.0.0.1:{port}/metrics";
        await promnet.WaitUntilReadyAsync(context.Http, promnetUrl, TimeSpan.FromSeconds(30));

        // Warm both paths, then alternate.
        await ScrapeAsync(context.Http, otelUrl);
        await ScrapeAsync(context.Http, promnetUrl);
        var otel = new List<(double Ms, long Bytes)>();
        var promnetScrapes = new List<(double Ms, long Bytes)>();
        for (var i = 0; i < context.Options.ScrapesPerService; i++)
        {
            await Task.Delay(Spacing);
            otel.Add(await ScrapeAsync(context.Http, otelUrl));
            promnetScrapes.Add(await ScrapeAsync(context.Http, promnetUrl));
        }

        var promnetMs = Stats.Median(promnetScrapes.Select(s => s.Ms).ToList());
        var promnetKib = promnetScrapes[^1].Bytes / 1024d;
        var series = Exposition.SeriesCount(families);
        return
        [
            Measured($"scrape_ms_{service.Name}", otel.Select(s => s.Ms).ToList(),
                baseline: $"prometheus-net {Figure.Format(promnetMs)} ms",
                ratios: otel.Zip(promnetScrapes).Select(p => p.First.Ms / p.Second.Ms).ToList(),
                note: $"{families.Count} families, {series} samples; one scrape = a fresh GET read to the last byte, {Spacing.TotalMilliseconds:F0} ms apart"),
            Measured($"scrape_kib_{service.Name}", otel.Select(s => s.Bytes / 1024d).ToList(),
                baseline: $"prometheus-net {Figure.Format(promnetKib)} KiB",
                ratios: otel.Select(s => s.Bytes / 1024d / promnetKib).ToList()),
        ];
    }

    private static async Task<(double Ms, long Bytes)> ScrapeAsync(HttpClient http, string url)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.GetAsync(url);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadAsByteArrayAsync();
        return (Stopwatch.GetElapsedTime(started).TotalMilliseconds, body.LongLength);
    }
}
