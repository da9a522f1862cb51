using System.Globalization;
using System.Text;
using Aspire.Hosting.ApplicationModel;

namespace HealthcareCms.AppHost.Infrastructure;

/// <summary>A service Prometheus scrapes: its job name and the endpoint serving <c>/metrics</c>.</summary>
public sealed record ScrapeTarget(string Job, EndpointReference Endpoint);

public static class Monitoring
{
    public const string ManagementEndpointName = "management";
    public const int PrometheusPort = 9090;
    public const int GrafanaPort = 3000;

    /// <summary>Repository folder with the Prometheus rules and the Grafana provisioning.</summary>
    public static string ObservabilityDirectory(IDistributedApplicationBuilder builder) =>
        Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "observability"));

    /// <summary>
    /// Gives a project a second HTTP endpoint for <c>/health</c>, <c>/alive</c> and <c>/metrics</c>; the
    /// service learns its port from <c>MANAGEMENT_HTTP_PORT</c> and serves nothing else there.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithManagementEndpoint(this IResourceBuilder<ProjectResource> project, int port) =>
        project
            .WithHttpEndpoint(port: port, name: ManagementEndpointName, env: "MANAGEMENT_HTTP_PORT")
            .WithHttpHealthCheck("/health", endpointName: ManagementEndpointName);

    /// <summary>
    /// Prometheus scraping every target under its job name, with a configuration generated from the
    /// endpoints the AppHost allocated (Prometheus 2.42 does not expand variables in its config file).
    /// </summary>
    public static IResourceBuilder<IResourceWithEndpoints> AddPrometheus(
        this IDistributedApplicationBuilder builder, HostingSettings settings, IReadOnlyList<ScrapeTarget> targets)
    {
        var configDirectory = Path.Combine(settings.DataDirectory, "prometheus-config");
        var configFile = Path.Combine(configDirectory, "prometheus.yml");
        var rulesDirectory = Path.Combine(ObservabilityDirectory(builder), "prometheus", "rules");

        IResourceBuilder<IResourceWithEndpoints> prometheus;
        string rulesGlob;
        if (settings.Mode == HostingMode.Containers)
        {
            rulesGlob = "/etc/prometheus/rules/*.yml";
            var container = builder.AddContainer("prometheus", "prom/prometheus", "v2.55.1")
                .WithBindMount(configDirectory, "/etc/prometheus/generated", isReadOnly: true)
                .WithBindMount(rulesDirectory, "/etc/prometheus/rules", isReadOnly: true)
                .WithArgs("--config.file=/etc/prometheus/generated/prometheus.yml", "--web.enable-lifecycle")
                .WithHttpEndpoint(port: PrometheusPort, targetPort: 9090)
                .WithHttpHealthCheck("/-/ready");

            // Referencing each target from the container makes DCP route container-to-host traffic to it
            // (the container tunnel); the addresses written below are resolved for the container's network.
            foreach (var target in targets)
            {
                container.WithEnvironment($"SCRAPE_TARGET_{target.Job.ToUpperInvariant()}", target.Endpoint);
            }

            prometheus = container;
        }
        else
        {
            rulesGlob = Path.Combine(rulesDirectory, "*.yml");
            var executable = builder.AddExecutable("prometheus", settings.PrometheusPath, settings.DataDirectory)
                .WithHttpEndpoint(port: PrometheusPort, name: "http");
            var endpoint = executable.GetEndpoint("http");
            executable
                .WithArgs(context =>
                {
                    context.Args.Add($"--config.file={configFile}");
                    context.Args.Add($"--storage.tsdb.path={Path.Combine(settings.DataDirectory, "prometheus")}");
                    context.Args.Add("--storage.tsdb.retention.time=7d");
                    context.Args.Add("--web.enable-lifecycle");
                    context.Args.Add(ReferenceExpression.Create(
                        $"--web.listen-address=127.0.0.1:{endpoint.Property(EndpointProperty.TargetPort)}"));
                })
                .WithHttpHealthCheck("/-/ready");
            prometheus = executable;
        }

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(prometheus.Resource, async (_, cancellationToken) =>
        {
            // Each target's address as Prometheus sees it: localhost for an executable, the container
            // network's route to the host for a container.
            var context = new ValueProviderContext { Caller = prometheus.Resource };
            var jobs = new List<(string Job, string Target)>();
            foreach (var target in targets)
            {
                var hostAndPort = await target.Endpoint.Property(EndpointProperty.HostAndPort).GetValueAsync(context, cancellationToken);
                jobs.Add((target.Job, hostAndPort ?? throw new InvalidOperationException($"No address for the {target.Job} metrics endpoint.")));
            }

            Directory.CreateDirectory(configDirectory);
            var yaml = PrometheusConfig.Render(settings.PrometheusScrapeInterval, rulesGlob, jobs);
            await File.WriteAllTextAsync(configFile, yaml, cancellationToken);
        });

        return prometheus;
    }

    /// <summary>Grafana with the repository's provisioning (datasource + dashboards folder). Containers only.</summary>
    public static IResourceBuilder<ContainerResource> AddGrafana(
        this IDistributedApplicationBuilder builder, IResourceBuilder<IResourceWithEndpoints> prometheus)
    {
        var grafanaDirectory = Path.Combine(ObservabilityDirectory(builder), "grafana");
        var adminPassword = builder.AddParameter(
            "grafana-admin-password", new GenerateParameterDefault { MinLength = 20, Special = false }, secret: true, persist: true);

        return builder.AddContainer("grafana", "grafana/grafana", "11.6.1")
            .WithBindMount(Path.Combine(grafanaDirectory, "provisioning"), "/etc/grafana/provisioning", isReadOnly: true)
            .WithBindMount(Path.Combine(grafanaDirectory, "dashboards"), "/var/lib/grafana/dashboards", isReadOnly: true)
            .WithEnvironment("GF_SECURITY_ADMIN_PASSWORD", adminPassword)
            .WithEnvironment("PROMETHEUS_URL", "http://prometheus:9090")
            .WithHttpEndpoint(port: GrafanaPort, targetPort: 3000)
            .WithHttpHealthCheck("/api/health")
            .WaitFor(prometheus);
    }
}

/// <summary>Renders the development <c>prometheus.yml</c>.</summary>
public static class PrometheusConfig
{
    public static string Render(string scrapeInterval, string rulesGlob, IEnumerable<(string Job, string Target)> jobs)
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("# Generated by HealthcareCms.AppHost at start-up from the endpoints it allocated. Do not edit.");
        yaml.AppendLine("global:");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"  scrape_interval: {scrapeInterval}");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"  evaluation_interval: {scrapeInterval}");
        yaml.AppendLine("  external_labels:");
        yaml.AppendLine("    environment: development");
        yaml.AppendLine("rule_files:");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"  - '{rulesGlob}'");
        yaml.AppendLine("scrape_configs:");
        foreach (var (job, target) in jobs)
        {
            yaml.AppendLine(CultureInfo.InvariantCulture, $"  - job_name: {job}");
            yaml.AppendLine("    metrics_path: /metrics");
            yaml.AppendLine("    static_configs:");
            yaml.AppendLine(CultureInfo.InvariantCulture, $"      - targets: ['{target}']");
        }

        return yaml.ToString();
    }
}
