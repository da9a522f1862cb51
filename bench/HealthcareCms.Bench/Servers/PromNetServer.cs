using System.Globalization;
using Prometheus;

namespace HealthcareCms.Bench.Servers;

/// <summary>
/// The scrape-cost comparison: prometheus-net exposing the same metric families, label sets and
/// bucket layouts as a given scrape of one of our services, served by Kestrel at <c>/metrics</c>.
/// </summary>
public static class PromNetServer
{
    public const string Command = "promnet-server";

    public static async Task<int> RunAsync(string[] args)
    {
        var port = ServerArguments.Port(args);
        var exposition = await File.ReadAllTextAsync(ServerArguments.Value(args, "--exposition"));
        var registry = Metrics.NewCustomRegistry();
        Register(Metrics.WithCustomRegistry(registry), Exposition.Parse(exposition));

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapMetrics("/metrics", registry);
        await app.RunAsync();
        return 0;
    }

    /// <summary>Registers every family and sets each series to the scraped value.</summary>
    public static void Register(IMetricFactory factory, IReadOnlyList<ExpositionFamily> families)
    {
        foreach (var family in families)
        {
            switch (family.Type)
            {
                case "counter":
                {
                    var labelNames = LabelNames(family.Samples);
                    var counter = factory.CreateCounter(family.Name, family.Help, labelNames);
                    foreach (var sample in family.Samples)
                    {
                        counter.WithLabels(LabelValues(sample, labelNames)).IncTo(sample.Value);
                    }

                    break;
                }

                case "histogram":
                    RegisterHistogram(factory, family);
                    break;

                default:
                {
                    var labelNames = LabelNames(family.Samples);
                    var gauge = factory.CreateGauge(family.Name, family.Help, labelNames);
                    foreach (var sample in family.Samples)
                    {
                        gauge.WithLabels(LabelValues(sample, labelNames)).Set(sample.Value);
                    }

                    break;
                }
            }
        }
    }

    private static void RegisterHistogram(IMetricFactory factory, ExpositionFamily family)
    {
        var buckets = family.Samples.Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal)).ToList();
        var seriesLabels = buckets.Select(s => s with { Labels = s.Labels.Where(l => l.Key != "le").ToList() }).ToList();
        var labelNames = LabelNames(seriesLabels);
        var bounds = buckets
            .Select(s => s.Labels.First(l => l.Key == "le").Value)
            .Where(le => le != "+Inf")
            .Select(le => double.Parse(le, CultureInfo.InvariantCulture))
            .Distinct().Order().ToArray();
        var histogram = factory.CreateHistogram(family.Name, family.Help, labelNames, new HistogramConfiguration { Buckets = bounds });

        // Reproduce the bucket counts: observe each bucket's upper bound as often as the bucket grew
        // (capped, the exposition's size does not depend on the counts' magnitude).
        foreach (var series in buckets.Zip(seriesLabels).GroupBy(p => string.Join(',', LabelValues(p.Second, labelNames))))
        {
            var child = histogram.WithLabels(LabelValues(series.First().Second, labelNames));
            var previous = 0d;
            foreach (var (bucket, _) in series)
            {
                var le = bucket.Labels.First(l => l.Key == "le").Value;
                var bound = le == "+Inf" ? bounds.LastOrDefault() * 2 + 1 : double.Parse(le, CultureInfo.InvariantCulture);
                var grew = (long)Math.Min(bucket.Value - previous, 1_000);
                for (var i = 0; i < grew; i++)
                {
                    child.Observe(bound);
                }

                previous = bucket.Value;
            }
        }
    }

    private static string[] LabelNames(IEnumerable<ExpositionSample> samples) =>
        samples.SelectMany(s => s.Labels.Select(l => l.Key)).Distinct(StringComparer.Ordinal).ToArray();

    private static string[] LabelValues(ExpositionSample sample, string[] labelNames) =>
        labelNames.Select(name => sample.Labels.FirstOrDefault(l => l.Key == name).Value ?? "").ToArray();
}
