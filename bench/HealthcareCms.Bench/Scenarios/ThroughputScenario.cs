using HealthcareCms.Bench.Load;
using HealthcareCms.Bench.Reporting;

namespace HealthcareCms.Bench.Scenarios;

/// <summary>
/// Ceiling, public read path and the telemetry tax on it, closed-loop with wrk at 50 connections, in
/// rounds that alternate their order (ceiling, telemetry on, telemetry off; then reversed) so drift in the
/// machine's speed lands on both sides of every ratio.
/// </summary>
public sealed class ThroughputScenario : Scenario
{
    public const string PublicPath = "/api/posts?page=1&pageSize=20";

    public override string Name => "throughput";

    public override IReadOnlyList<Figure> Declare() =>
    [
        new("ceiling_rps", "ceiling: bare Kestrel \"hello\" throughput", "req/s", []),
        new("ceiling_p99_ms", "ceiling: p99 latency at 50 connections", "ms", []),
        new("public_rps", "public read path GET /api/posts throughput", "req/s", [], Target.MinRatio(0.40, "≥ 40 % of ceiling")),
        new("public_p99_ms", "public read path p99 at 50 connections", "ms", [], Target.Max(5, "≤ 5 ms")),
        new("public_errors", "public read path errors (socket + non-2xx)", "count", [], Target.Max(0, "0")),
        new("telemetry_ratio_public", "telemetry tax, public list: throughput on ÷ off", "ratio", [], Target.Min(0.97, "≥ 0.97")),
    ];

    public override async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context)
    {
        var services = context.RequireServices();
        var options = context.Options;
        var ceilingUrl = context.CeilingUrl + "/";
        var onUrl = services.Api.PublicUrl + PublicPath;
        var offUrl = services.ApiWithoutTelemetry.PublicUrl + PublicPath;

        await CheckPageIsNonTrivialAsync(context, onUrl);
        foreach (var url in new[] { ceilingUrl, onUrl, offUrl })
        {
            await Wrk.RunAsync(url, options.WarmupDuration, BenchOptions.Connections);
        }

        var ceiling = new List<WrkResult>();
        var on = new List<WrkResult>();
        var off = new List<WrkResult>();
        for (var round = 0; round < options.Rounds; round++)
        {
            var order = round % 2 == 0 ? new[] { 0, 1, 2 } : [2, 1, 0];
            foreach (var which in order)
            {
                switch (which)
                {
                    case 0:
                        ceiling.Add(await Wrk.RunAsync(ceilingUrl, options.WrkDuration, BenchOptions.Connections));
                        break;
                    case 1:
                        // Scraped every 5 s during its runs, as Prometheus would.
                        using (var scraping = new CancellationTokenSource())
                        {
                            var scraper = ScrapeEvery(context.Http, services.Api.ManagementUrl + "/metrics", TimeSpan.FromSeconds(5), scraping.Token);
                            on.Add(await Wrk.RunAsync(onUrl, options.WrkDuration, BenchOptions.Connections));
                            await scraping.CancelAsync();
                            await scraper;
                        }

                        break;
                    default:
                        off.Add(await Wrk.RunAsync(offUrl, options.WrkDuration, BenchOptions.Connections));
                        break;
                }
            }

            context.Log($"round {round + 1}/{options.Rounds}: ceiling {ceiling[^1].RequestsPerSecond:F0} req/s, " +
                        $"public on {on[^1].RequestsPerSecond:F0} req/s p99 {on[^1].P99Ms:F2} ms, off {off[^1].RequestsPerSecond:F0} req/s");
        }

        var ceilingRps = Stats.Median(ceiling.Select(r => r.RequestsPerSecond).ToList());
        var ceilingP99 = Stats.Median(ceiling.Select(r => r.P99Ms).ToList());
        var offRps = Stats.Median(off.Select(r => r.RequestsPerSecond).ToList());
        return
        [
            Measured("ceiling_rps", ceiling.Select(r => r.RequestsPerSecond).ToList(), note: $"wrk -t2 -c{BenchOptions.Connections}, {options.WrkDuration.TotalSeconds:F0} s per run, same process shape (Kestrel, server GC)"),
            Measured("ceiling_p99_ms", ceiling.Select(r => r.P99Ms).ToList()),
            Measured("public_rps", on.Select(r => r.RequestsPerSecond).ToList(),
                baseline: $"ceiling {Figure.Format(ceilingRps)} req/s",
                ratios: on.Zip(ceiling).Select(p => p.First.RequestsPerSecond / p.Second.RequestsPerSecond).ToList(),
                note: "page 1 of 20 of the seeded published posts (count + page query on PostgreSQL), telemetry on, scraped every 5 s"),
            Measured("public_p99_ms", on.Select(r => r.P99Ms).ToList(),
                baseline: $"ceiling p99 {Figure.Format(ceilingP99)} ms",
                ratios: on.Zip(ceiling).Select(p => p.First.P99Ms / p.Second.P99Ms).ToList(),
                note: "closed-loop wrk percentiles (coordinated omission not corrected)"),
            Measured("public_errors", [on.Sum(r => r.Errors) + off.Sum(r => r.Errors)]),
            Measured("telemetry_ratio_public", on.Zip(off).Select(p => p.First.RequestsPerSecond / p.Second.RequestsPerSecond).ToList(),
                baseline: $"telemetry off {Figure.Format(offRps)} req/s",
                note: "same Release build, Telemetry__Enabled=true vs false; pairs alternate order every round"),
        ];
    }

    private static async Task CheckPageIsNonTrivialAsync(BenchContext context, string url)
    {
        var page = await context.Http.GetFromJsonAsync<System.Text.Json.JsonElement>(url);
        var items = page.GetProperty("items").GetArrayLength();
        var total = page.GetProperty("total").GetInt32();
        if (items != 20 || total < BenchRunner.PublishedPosts)
        {
            throw new InvalidOperationException($"GET {PublicPath} returned {items} items of {total}: the seed did not land.");
        }
    }

    private static async Task ScrapeEvery(HttpClient http, string url, TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(interval, cancellationToken);
                using var response = await http.GetAsync(url, cancellationToken);
                await response.Content.ReadAsByteArrayAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // the run ended
        }
    }
}
