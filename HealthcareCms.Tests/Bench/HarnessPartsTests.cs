using HealthcareCms.Bench.Load;
using HealthcareCms.Bench.Reporting;
using HealthcareCms.Bench.Servers;
using Prometheus;

namespace HealthcareCms.Tests.Bench;

/// <summary>The harness's parsers and its verdicts, on fixed inputs.</summary>
public sealed class HarnessPartsTests
{
    private const string WrkOutput = """
        Running 10s test @ http://127.0.0.1:5000/
          2 threads and 50 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
            Latency     1.52ms    1.10ms  40.12ms   91.00%
            Req/Sec    16.71k     1.20k   19.10k    72.00%
          Latency Distribution
             50%  812.00us
             75%    1.45ms
             90%    2.60ms
             99%    1.02s
          332401 requests in 10.00s, 40.57MB read
          Socket errors: connect 0, read 2, write 0, timeout 3
          Non-2xx or 3xx responses: 7
        Requests/sec:  33240.10
        Transfer/sec:      4.06MB
        """;

    [Fact]
    public void Wrk_output_is_read_in_milliseconds_with_every_error_counted()
    {
        var result = Wrk.Parse(WrkOutput);

        Assert.Equal(33240.10, result.RequestsPerSecond, 2);
        Assert.Equal(0.812, result.P50Ms, 3);
        Assert.Equal(1.45, result.P75Ms, 3);
        Assert.Equal(2.60, result.P90Ms, 3);
        Assert.Equal(1020, result.P99Ms, 3);
        Assert.Equal(332401, result.Requests);
        Assert.Equal(12, result.Errors);
    }

    [Fact]
    public void Wrk_output_without_a_latency_distribution_is_rejected()
    {
        Assert.Throws<FormatException>(() => Wrk.Parse("Requests/sec: 10\n5 requests in 1s"));
    }

    [Theory]
    [InlineData(new[] { 3.0, 1.0, 2.0 }, 2.0)]
    [InlineData(new[] { 4.0, 1.0, 2.0, 3.0 }, 2.5)]
    public void Median_of_runs(double[] samples, double median) => Assert.Equal(median, Stats.Median(samples));

    [Fact]
    public void Percentile_is_nearest_rank()
    {
        var sorted = Enumerable.Range(1, 100).Select(i => (double)i).ToArray();
        Assert.Equal(99, Stats.Percentile(sorted, 0.99));
        Assert.Equal(50, Stats.Percentile(sorted, 0.50));
    }

    [Fact]
    public void A_figure_meets_or_misses_its_target_on_the_median_or_on_the_ratio()
    {
        var p99 = new Figure("p99", "p99", "ms", [4, 6, 7], Target.Max(5, "≤ 5 ms"));
        var share = new Figure("rps", "rps", "req/s", [100, 100, 100], Target.MinRatio(0.4, "≥ 40 %"), Ratios: [0.5, 0.3, 0.45]);
        var context = new Figure("ceiling", "ceiling", "req/s", [1, 2, 3]);
        var missing = Figure.NotMeasured("x", "x", "ms", Target.Max(1, "≤ 1"), "not merged");

        Assert.Equal(Outcome.Missed, p99.Outcome);
        Assert.Equal(6, p99.Median);
        Assert.Equal(Outcome.Met, share.Outcome);
        Assert.Equal(0.45, share.Ratio);
        Assert.Equal(Outcome.Info, context.Outcome);
        Assert.Equal(Outcome.NotMeasured, missing.Outcome);
        Assert.Equal("NA", missing.MachineValue);
        Assert.Equal("6.000", p99.MachineValue);
    }

    [Fact]
    public void The_chart_marks_missed_targets_and_lists_unmeasured_figures()
    {
        var svg = Chart.Render(
            [
                new Figure("public_p99_ms", "p99", "ms", [10], Target.Max(5, "≤ 5 ms")),
                Figure.NotMeasured("protected_p99_ms", "p99", "ms", Target.Max(20, "≤ 20 ms"), "not merged"),
            ],
            "test");

        Assert.Contains("public_p99_ms", svg);
        Assert.Contains("#c62828", svg);
        Assert.Contains("2.00", svg);
        Assert.Contains("not measured", svg);
        Assert.Equal(2.0, Chart.Share(new Figure("a", "a", "ms", [10], Target.Max(5, "≤ 5"))));
        Assert.Equal(0.0, Chart.Share(new Figure("errors", "errors", "count", [0], Target.Max(0, "0"))));
        Assert.Equal(2.0, Chart.Share(new Figure("errors", "errors", "count", [3], Target.Max(0, "0"))));
    }

    private const string OtelExposition = """
        # TYPE http_server_request_duration_seconds histogram
        # UNIT http_server_request_duration_seconds seconds
        # HELP http_server_request_duration_seconds Duration of HTTP server requests.
        http_server_request_duration_seconds_bucket{http_request_method="GET",http_route="/api/posts",le="0.005"} 3 1732460000000
        http_server_request_duration_seconds_bucket{http_request_method="GET",http_route="/api/posts",le="0.01"} 5 1732460000000
        http_server_request_duration_seconds_bucket{http_request_method="GET",http_route="/api/posts",le="+Inf"} 6 1732460000000
        http_server_request_duration_seconds_sum{http_request_method="GET",http_route="/api/posts"} 0.04 1732460000000
        http_server_request_duration_seconds_count{http_request_method="GET",http_route="/api/posts"} 6 1732460000000
        # TYPE kestrel_active_connections gauge
        # HELP kestrel_active_connections Number of connections that are currently active on the server.
        kestrel_active_connections{network_transport="tcp",server_address="127.0.0.1"} 2 1732460000000
        # TYPE healthcare_logins_total counter
        healthcare_logins_total{result="success"} 12 1732460000000
        healthcare_logins_total{result="other",note="a \"quoted\" value"} 1 1732460000000
        # EOF
        """;

    [Fact]
    public void Exposition_families_types_labels_and_values_are_read()
    {
        var families = Exposition.Parse(OtelExposition);

        Assert.Equal(["http_server_request_duration_seconds", "kestrel_active_connections", "healthcare_logins_total"], families.Select(f => f.Name));
        Assert.Equal(["histogram", "gauge", "counter"], families.Select(f => f.Type));
        Assert.Equal("Duration of HTTP server requests.", families[0].Help);
        Assert.Equal(5, families[0].Samples.Count);
        Assert.Equal(8, Exposition.SeriesCount(families));
        var quoted = families[2].Samples[1];
        Assert.Equal("a \"quoted\" value", quoted.Labels.Single(l => l.Key == "note").Value);
        Assert.Equal(1, quoted.Value);
    }

    [Fact]
    public async Task Prometheus_net_exposes_the_same_families_label_sets_and_bucket_counts()
    {
        var registry = Metrics.NewCustomRegistry();
        PromNetServer.Register(Metrics.WithCustomRegistry(registry), Exposition.Parse(OtelExposition));
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        var exported = Exposition.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()));

        Assert.Equal(
            Exposition.Parse(OtelExposition).Select(f => (f.Name, f.Type)).Order(),
            exported.Select(f => (f.Name, f.Type)).Order());
        var buckets = exported.Single(f => f.Name == "http_server_request_duration_seconds").Samples
            .Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal))
            .ToDictionary(s => s.Labels.Single(l => l.Key == "le").Value, s => s.Value);
        Assert.Equal(3, buckets["0.005"]);
        Assert.Equal(5, buckets["0.01"]);
        Assert.Equal(6, buckets["+Inf"]);
        var logins = exported.Single(f => f.Name == "healthcare_logins_total").Samples;
        Assert.Equal(12, logins.Single(s => s.Labels.Any(l => l is { Key: "result", Value: "success" })).Value);
        Assert.Equal(2, exported.Single(f => f.Name == "kestrel_active_connections").Samples.Single().Value);
    }
}
