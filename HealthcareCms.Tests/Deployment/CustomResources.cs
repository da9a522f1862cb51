using k8s.Models;

namespace HealthcareCms.Tests.Deployment;

// Prometheus Operator objects, with the fields this repository uses. The strict loader rejects any
// field not declared here, so a misspelt field in a manifest fails the tests like it would fail the
// Operator's CRD validation.

public sealed class PodMonitor
{
    public const string TypeKey = "monitoring.coreos.com/v1/PodMonitor";

    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public V1ObjectMeta Metadata { get; set; } = new();
    public PodMonitorSpec Spec { get; set; } = new();
}

public sealed class PodMonitorSpec
{
    public string? JobLabel { get; set; }
    public V1LabelSelector Selector { get; set; } = new();
    public List<PodMetricsEndpoint> PodMetricsEndpoints { get; set; } = [];
}

public sealed class PodMetricsEndpoint
{
    public string? Port { get; set; }
    public string? Path { get; set; }
    public string? Interval { get; set; }
    public string? ScrapeTimeout { get; set; }
}

/// <summary>The spec stays generic: it must equal a Prometheus rule file, whatever that file holds.</summary>
public sealed class PrometheusRule
{
    public const string TypeKey = "monitoring.coreos.com/v1/PrometheusRule";

    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public V1ObjectMeta Metadata { get; set; } = new();
    public Dictionary<object, object> Spec { get; set; } = [];
}
