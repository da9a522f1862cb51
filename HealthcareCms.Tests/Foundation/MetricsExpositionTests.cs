using System.Text.Json;
using HealthcareCms.Tests.Infrastructure;

namespace HealthcareCms.Tests.Foundation;

[Collection(AppHostCollection.Name)]
public sealed class MetricsExpositionTests(AppHostFixture fixture)
{
    public static TheoryData<string> Services() => new(AppHostFixture.ServiceNames);

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Metrics_are_valid_prometheus_exposition_that_promtool_accepts(string service)
    {
        var exposition = await ScrapeAfterTrafficAsync(service);

        var lint = await Promtool.RunAsync(["check", "metrics"], exposition);

        Assert.True(lint.ExitCode == 0, $"promtool check metrics ({service}) exited {lint.ExitCode}: {lint.Output}");
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Metrics_include_http_and_runtime_series_with_the_slo_bucket(string service)
    {
        var exposition = await ScrapeAfterTrafficAsync(service);

        Assert.Contains("http_server_request_duration_seconds_bucket{", exposition);
        Assert.Contains("le=\"0.5\"", exposition);
        Assert.Contains("http_route=", exposition);
        Assert.Contains("kestrel_active_connections", exposition);
        Assert.Contains("dotnet_gc_collections_total", exposition);
        Assert.Contains("dotnet_process_memory_working_set_bytes", exposition);
        Assert.Contains("dotnet_thread_pool_queue_length_total", exposition);
        Assert.Contains("dotnet_process_cpu_time_seconds_total", exposition);
    }

    [Fact]
    public async Task Api_metrics_include_npgsql_and_httpclient_series()
    {
        var exposition = await ScrapeAfterTrafficAsync("api");

        Assert.Contains("db_client_operation_duration_seconds_bucket{", exposition);
        Assert.Contains("db_client_connections{", exposition);
        Assert.Contains("http_client_request_duration_seconds_bucket{", exposition);
    }

    [Fact]
    public async Task Prometheus_reports_every_scrape_target_up_under_its_job_name()
    {
        using var prometheus = fixture.CreateClient("prometheus");
        Dictionary<string, string> health = [];
        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (DateTime.UtcNow < deadline)
        {
            var targets = await prometheus.GetFromJsonAsync<JsonElement>("/api/v1/targets");
            health = targets.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
                .ToDictionary(t => t.GetProperty("labels").GetProperty("job").GetString()!, t => t.GetProperty("health").GetString()!);
            if (AppHostFixture.ServiceNames.All(job => health.GetValueOrDefault(job) == "up"))
            {
                break;
            }

            await Task.Delay(500);
        }

        foreach (var job in AppHostFixture.ServiceNames)
        {
            Assert.Equal("up", health.GetValueOrDefault(job));
        }
    }

    private async Task<string> ScrapeAfterTrafficAsync(string service)
    {
        using var publicClient = fixture.CreateClient(service);
        var path = service switch
        {
            "api" => "/api/status",
            "policy" => "/v1/status",
            _ => "/status",
        };
        (await publicClient.GetAsync(path)).Dispose();
        (await publicClient.GetAsync(path)).Dispose();

        // The exporter caches a scrape briefly: fresh waits for one taken after the traffic above.
        return await MetricsScrape.ScrapeAsync(fixture, service, fresh: true);
    }
}
