using System.Text.Json.Nodes;
using HealthcareCms.Tests.Infrastructure;

namespace HealthcareCms.Tests.Observability;

/// <summary>The Grafana provisioning and dashboards, as files (Grafana itself runs only in container mode).</summary>
public sealed class GrafanaProvisioningTests
{
    private static readonly string[] SeedPanelTitles =
    [
        "Request Latency (p50/p95/p99)", "Medical Workflow Success Rate", "Zero Trust Policy Decisions",
        "Database Query Performance", "LGPD Compliance Events",
    ];

    public static TheoryData<string> Dashboards() => new(ObservabilityFiles.DashboardFiles.Select(Path.GetFileName)!);

    [Fact]
    public void The_datasource_has_a_stable_uid_and_its_url_from_PROMETHEUS_URL()
    {
        var datasource = ObservabilityFiles.Yaml(Repository.PathOf("observability", "grafana", "provisioning", "datasources", "prometheus.yml"))
            ["datasources"]!.AsArray().Single()!;

        Assert.Equal("prometheus", (string)datasource["uid"]!);
        Assert.Equal("prometheus", (string)datasource["type"]!);
        Assert.Equal("${PROMETHEUS_URL}", (string)datasource["url"]!);
    }

    [Fact]
    public void The_dashboard_provider_reads_the_folder_the_apphost_mounts()
    {
        var provider = ObservabilityFiles.Yaml(Repository.PathOf("observability", "grafana", "provisioning", "dashboards", "healthcare-cms.yml"))
            ["providers"]!.AsArray().Single()!;

        Assert.Equal("file", (string)provider["type"]!);
        Assert.Equal("/var/lib/grafana/dashboards", (string)provider["options"]!["path"]!);
        var appHost = File.ReadAllText(Repository.PathOf("HealthcareCms.AppHost", "Infrastructure", "Monitoring.cs"));
        Assert.Contains("\"/var/lib/grafana/dashboards\"", appHost);
        Assert.Contains("\"PROMETHEUS_URL\"", appHost);
    }

    [Fact]
    public void The_overview_has_the_seed_panels_under_the_seed_titles()
    {
        var overview = ObservabilityFiles.Dashboard(Path.Combine(ObservabilityFiles.DashboardsDirectory, "hcms-overview.json"));

        Assert.Equal("Healthcare CMS - Overview", (string)overview["title"]!);
        Assert.Equal(SeedPanelTitles, overview["panels"]!.AsArray().Select(p => (string)p!["title"]!));
        var latency = overview["panels"]![0]!["targets"]!.AsArray().Select(t => (string)t!["expr"]!).ToArray();
        Assert.All(latency, e => Assert.Contains("sum by (le) (rate(http_server_request_duration_seconds_bucket{", e));
    }

    [Fact]
    public void There_is_a_dashboard_per_concern()
    {
        var titles = ObservabilityFiles.DashboardFiles.Select(f => (string)ObservabilityFiles.Dashboard(f)["title"]!).Order().ToArray();

        Assert.Equal(
            [
                "Healthcare CMS - Compliance", "Healthcare CMS - Database", "Healthcare CMS - HTTP by route", "Healthcare CMS - Overview",
                "Healthcare CMS - Runtime", "Healthcare CMS - SLOs", "Healthcare CMS - Workflows and WASM", "Healthcare CMS - Zero Trust",
            ],
            titles);
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void Every_dashboard_has_job_and_instance_variables_and_references_the_datasource_by_uid(string file)
    {
        var dashboard = ObservabilityFiles.Dashboard(Path.Combine(ObservabilityFiles.DashboardsDirectory, file));
        var variables = dashboard["templating"]!["list"]!.AsArray().ToDictionary(v => (string)v!["name"]!);

        Assert.Equal(["job", "instance"], variables.Keys);
        Assert.All(variables.Values, v => Assert.Equal(".+", (string)v!["allValue"]!));
        Assert.False(string.IsNullOrWhiteSpace((string?)dashboard["uid"]));
        foreach (var node in Descendants(dashboard).Where(n => n is JsonObject o && o.ContainsKey("datasource")))
        {
            Assert.Equal("prometheus", (string)node["datasource"]!["uid"]!);
        }

        var panels = dashboard["panels"]!.AsArray();
        Assert.NotEmpty(panels);
        Assert.Equal(panels.Count, panels.Select(p => (int)p!["id"]!).Distinct().Count());
        Assert.All(panels, p => Assert.NotEmpty(p!["targets"]!.AsArray()));
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode node) => node switch
    {
        JsonObject o => new[] { node }.Concat(o.Select(p => p.Value).Where(v => v is not null).SelectMany(v => Descendants(v!))),
        JsonArray a => a.Where(v => v is not null).SelectMany(v => Descendants(v!)),
        _ => [],
    };
}
