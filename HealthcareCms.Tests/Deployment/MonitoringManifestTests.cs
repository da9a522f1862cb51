using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using HealthcareCms.ServiceDefaults.Management;
using HealthcareCms.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace HealthcareCms.Tests.Deployment;

/// <summary>
/// How Prometheus (plain or through the Operator) and Grafana pick the system up, and that the rules and
/// dashboards deployed are exactly the repository's (one source of truth with the development setup).
/// </summary>
public sealed partial class MonitoringManifestTests
{
    public static TheoryData<string> Overlays => [.. RenderedOverlay.Overlays];

    private static readonly string GeneratedDirectory = Repository.PathOf("deploy", "k8s", "base", "generated");

    private static string[] RuleFiles() => SourceFiles(Repository.PathOf("observability", "prometheus", "rules"), "*.yml");

    private static string[] DashboardFiles() => SourceFiles(Repository.PathOf("observability", "grafana", "dashboards"), "*.json");

    private static string[] SourceFiles(string directory, string pattern) =>
        Directory.Exists(directory) ? [.. Directory.GetFiles(directory, pattern).Order(StringComparer.Ordinal)] : [];

    private static string ObjectName(string file) => NonNameCharacters().Replace(Path.GetFileNameWithoutExtension(file).ToLowerInvariant().Replace('_', '-').Replace('.', '-'), "");

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Service_pods_carry_the_plain_Prometheus_scrape_annotations_for_their_management_port(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);

        foreach (var service in RenderedOverlay.Services)
        {
            var workload = manifests.Workload(service);
            var annotations = workload.Template.Metadata.Annotations;
            Assert.Equal("true", annotations["prometheus.io/scrape"]);
            Assert.Equal(manifests.EnvironmentValue(workload.Container, ManagementEndpoint.PortEnvironmentVariable), annotations["prometheus.io/port"]);
            Assert.Equal(ManagementEndpoint.MetricsPath, annotations["prometheus.io/path"]);
        }

        Assert.All(manifests.Workloads.Where(w => w.Kind != "Deployment"),
            w => Assert.False(w.Template.Metadata.Annotations?.ContainsKey("prometheus.io/scrape") ?? false, $"{w} has no /metrics"));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task The_PodMonitor_scrapes_each_service_management_port_under_its_job_name(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);
        var monitor = manifests.Single<PodMonitor>();
        var endpoint = Assert.Single(monitor.Spec.PodMetricsEndpoints);
        Assert.Equal(ManagementEndpoint.MetricsPath, endpoint.Path);

        var scraped = manifests.Workloads.Where(w => monitor.Spec.Selector.Matches(w.Labels)).ToList();
        Assert.Equal(RenderedOverlay.Services.Order(), scraped.Select(w => w.Name).Order());
        foreach (var workload in scraped)
        {
            Assert.Equal(workload.Name, workload.Labels[monitor.Spec.JobLabel!]);
            var port = Assert.Single(workload.Container.Ports, p => p.Name == endpoint.Port);
            Assert.Equal(manifests.EnvironmentValue(workload.Container, ManagementEndpoint.PortEnvironmentVariable), port.ContainerPort.ToString(CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task In_production_the_Operator_objects_carry_the_kube_prometheus_stack_release_label()
    {
        var manifests = await RenderedOverlay.LoadAsync("prod");

        Assert.Equal("kube-prometheus-stack", manifests.Single<PodMonitor>().Metadata.Labels["release"]);
        Assert.All(manifests.All<PrometheusRule>(), r => Assert.Equal("kube-prometheus-stack", r.Metadata.Labels["release"]));
    }

    [Fact]
    public async Task The_plain_Prometheus_scrape_config_turns_the_annotations_into_one_target_per_pod_with_the_service_job_name()
    {
        var manifests = await RenderedOverlay.LoadAsync("prod");
        var config = KubernetesYaml.Deserialize<Dictionary<object, object>>(
            await File.ReadAllTextAsync(Repository.PathOf("deploy", "k8s", "prometheus", "scrape-config.yml")));
        var job = (Dictionary<object, object>)Assert.Single((List<object>)config["scrape_configs"]);
        var discovery = (Dictionary<object, object>)Assert.Single((List<object>)job["kubernetes_sd_configs"]);
        Assert.Equal("pod", discovery["role"]);
        Assert.Contains(manifests.Namespace, ((List<object>)((Dictionary<object, object>)discovery["namespaces"])["names"]).Cast<string>());
        var relabelings = ((List<object>)job["relabel_configs"]).Cast<Dictionary<object, object>>().ToList();

        foreach (var workload in manifests.Workloads)
        {
            var targets = PodTargets(manifests.Namespace, workload, "10.1.2.3")
                .Select(target => Relabel(target, relabelings))
                .OfType<Dictionary<string, string>>()
                .Select(labels => string.Join(',', labels.Where(l => !l.Key.StartsWith("__meta_", StringComparison.Ordinal)).OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}")))
                .Distinct()
                .ToList();

            if (!RenderedOverlay.Services.Contains(workload.Name))
            {
                Assert.Empty(targets);
                continue;
            }

            var management = manifests.EnvironmentValue(workload.Container, ManagementEndpoint.PortEnvironmentVariable);
            Assert.Equal(
                $"__address__=10.1.2.3:{management},__metrics_path__={ManagementEndpoint.MetricsPath},job={workload.Name},namespace={manifests.Namespace},pod={workload.Name}-0",
                Assert.Single(targets));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task The_PrometheusRules_are_the_repository_rule_files(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);
        var rules = manifests.All<PrometheusRule>().ToDictionary(r => r.Metadata.Name);

        var files = RuleFiles();
        Assert.Equal(files.Length, rules.Count);
        foreach (var file in files)
        {
            Assert.True(rules.TryGetValue($"healthcare-cms-{ObjectName(file)}", out var rule), $"no PrometheusRule for {file}");
            var source = KubernetesYaml.Deserialize<Dictionary<object, object>>(await File.ReadAllTextAsync(file));
            Assert.Equal(Canonical(source), Canonical(rule.Spec));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task The_dashboard_ConfigMaps_are_the_repository_dashboards_labelled_for_the_Grafana_sidecar(string overlay)
    {
        var manifests = await RenderedOverlay.LoadAsync(overlay);
        var dashboards = manifests.All<V1ConfigMap>().Where(c => c.Metadata.Labels is { } labels && labels.TryGetValue("grafana_dashboard", out var value) && value == "1").ToDictionary(c => c.Metadata.Name);

        var files = DashboardFiles();
        Assert.Equal(files.Length, dashboards.Count);
        foreach (var file in files)
        {
            Assert.True(dashboards.TryGetValue($"grafana-dashboard-{ObjectName(file)}", out var map), $"no ConfigMap for {file}");
            Assert.Equal([Path.GetFileName(file)], map.Data.Keys);
            Assert.Equal(await File.ReadAllTextAsync(file), map.Data[Path.GetFileName(file)]);
        }
    }

    [Fact]
    public async Task The_rules_select_only_the_job_names_the_deployment_produces()
    {
        var manifests = await RenderedOverlay.LoadAsync("prod");
        var monitor = manifests.Single<PodMonitor>();
        var jobs = manifests.Workloads.Where(w => monitor.Spec.Selector.Matches(w.Labels)).Select(w => w.Labels[monitor.Spec.JobLabel!]).ToHashSet();

        foreach (var file in RuleFiles())
        {
            foreach (Match match in JobMatcher().Matches(await File.ReadAllTextAsync(file)))
            {
                Assert.Contains(match.Groups["job"].Value, jobs);
            }
        }
    }

    [Fact]
    public async Task The_committed_generated_manifests_are_what_the_generator_produces_from_the_sources()
    {
        var output = Path.Combine(Path.GetTempPath(), $"hcms-k8s-generated-{Guid.NewGuid():N}");
        try
        {
            await CommandLine.RunCheckedAsync("bash", Repository.PathOf("deploy", "k8s", "generate.sh"), output);

            var expected = RelativeFiles(output);
            var committed = RelativeFiles(GeneratedDirectory);
            Assert.True(expected.SequenceEqual(committed),
                $"deploy/k8s/base/generated is stale: run deploy/k8s/generate.sh (expected [{string.Join(", ", expected)}], committed [{string.Join(", ", committed)}])");
            foreach (var file in expected)
            {
                var produced = await File.ReadAllBytesAsync(Path.Combine(output, file));
                var inRepository = await File.ReadAllBytesAsync(Path.Combine(GeneratedDirectory, file));
                Assert.True(produced.SequenceEqual(inRepository), $"deploy/k8s/base/generated/{file} is stale: run deploy/k8s/generate.sh");
            }
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    [Fact]
    public async Task The_generator_refuses_a_rule_file_it_cannot_turn_into_a_PrometheusRule()
    {
        var root = Path.Combine(Path.GetTempPath(), $"hcms-k8s-generator-{Guid.NewGuid():N}");
        try
        {
            var script = Path.Combine(root, "deploy", "k8s", "generate.sh");
            Directory.CreateDirectory(Path.GetDirectoryName(script)!);
            File.Copy(Repository.PathOf("deploy", "k8s", "generate.sh"), script);
            var rules = Path.Combine(root, "observability", "prometheus", "rules");
            Directory.CreateDirectory(rules);
            await File.WriteAllTextAsync(Path.Combine(rules, "bad.yml"), "groups: []\nextra: 1\n");

            var result = await CommandLine.RunAsync("bash", [script, Path.Combine(root, "out")]);

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("observability/prometheus/rules/bad.yml", result.Error);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string[] RelativeFiles(string directory) =>
        Directory.Exists(directory)
            ? [.. Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(directory, f)).Order(StringComparer.Ordinal)]
            : [];

    /// <summary>One string for a YAML value: maps with sorted keys, lists in order, scalars as text.</summary>
    private static string Canonical(object? value) => value switch
    {
        null => "null",
        IDictionary<object, object> map => "{" + string.Join(",", map.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal).Select(p => $"{p.Key}:{Canonical(p.Value)}")) + "}",
        IEnumerable<object> list => "[" + string.Join(",", list.Select(Canonical)) + "]",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => "\"" + value + "\"",
    };

    /// <summary>
    /// The targets Prometheus' Kubernetes pod discovery creates for a pod: one per declared container port,
    /// with the pod's meta labels (names sanitized the way Prometheus does).
    /// </summary>
    private static IEnumerable<Dictionary<string, string>> PodTargets(string @namespace, Workload workload, string podIp)
    {
        foreach (var port in workload.Container.Ports ?? [])
        {
            var labels = new Dictionary<string, string>
            {
                ["__address__"] = $"{podIp}:{port.ContainerPort}",
                ["__metrics_path__"] = "/metrics",
                ["job"] = "healthcare-cms-pods",
                ["__meta_kubernetes_namespace"] = @namespace,
                ["__meta_kubernetes_pod_name"] = $"{workload.Name}-0",
                ["__meta_kubernetes_pod_container_port_name"] = port.Name ?? "",
            };
            foreach (var (key, value) in workload.Labels)
            {
                labels[$"__meta_kubernetes_pod_label_{Sanitize(key)}"] = value;
            }

            foreach (var (key, value) in workload.Template.Metadata.Annotations ?? new Dictionary<string, string>())
            {
                labels[$"__meta_kubernetes_pod_annotation_{Sanitize(key)}"] = value;
            }

            yield return labels;
        }
    }

    /// <summary>Prometheus relabelling (replace and keep, the actions the scrape config uses); null = dropped.</summary>
    private static Dictionary<string, string>? Relabel(Dictionary<string, string> labels, IEnumerable<Dictionary<object, object>> configs)
    {
        foreach (var config in configs)
        {
            string Setting(string key, string fallback) => config.TryGetValue(key, out var v) ? Convert.ToString(v, CultureInfo.InvariantCulture)! : fallback;
            var sources = config.TryGetValue("source_labels", out var s) ? ((List<object>)s).Select(o => o.ToString()!) : [];
            var value = string.Join(Setting("separator", ";"), sources.Select(l => labels.GetValueOrDefault(l, "")));
            var match = new Regex($"^(?:{Setting("regex", "(.*)")})$").Match(value);
            switch (Setting("action", "replace"))
            {
                case "keep" when !match.Success:
                    return null;
                case "keep":
                    break;
                case "replace" when match.Success:
                    labels[Setting("target_label", "")] = match.Result(Setting("replacement", "$1"));
                    break;
                case "replace":
                    break;
                case var action:
                    throw new InvalidOperationException($"relabel action {action} is not simulated");
            }
        }

        return labels;
    }

    private static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        return builder.ToString();
    }

    [GeneratedRegex("[^a-z0-9-]")]
    private static partial Regex NonNameCharacters();

    [GeneratedRegex("""\bjob\s*=\s*"(?<job>[^"]+)"\s*[,}]""")]
    private static partial Regex JobMatcher();
}
