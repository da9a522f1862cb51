using System.Collections.Frozen;

namespace HealthcareCms.ServiceDefaults.Telemetry;

public enum MetricKind
{
    Counter,
    Histogram,
    UpDownCounter,
    Gauge,
}

/// <summary>One tag key an instrument may carry, with its closed set of values.</summary>
public sealed record TagDefinition(string Key, IReadOnlyList<string> Values)
{
    public FrozenSet<string> ValueSet { get; } = Values.ToFrozenSet(StringComparer.Ordinal);
}

/// <summary>
/// The contract of one custom instrument: what it is called, what it measures and which tags it may
/// carry. The telemetry guard enforces it and <c>docs/metrics.md</c> is checked against it.
/// </summary>
public sealed record MetricDefinition(
    string Meter,
    string Name,
    MetricKind Kind,
    string? Unit,
    string Description,
    IReadOnlyList<TagDefinition> Tags,
    IReadOnlyList<double>? Buckets = null)
{
    public FrozenDictionary<string, TagDefinition> TagsByKey { get; } =
        Tags.ToFrozenDictionary(t => t.Key, StringComparer.Ordinal);

    public string[] TagKeys => Tags.Select(t => t.Key).ToArray();

    /// <summary>The series name the OpenTelemetry Prometheus exporter gives this instrument.</summary>
    public string PrometheusName
    {
        get
        {
            var name = Name.Replace('.', '_');
            var unitSuffix = Unit switch
            {
                "s" => "_seconds",
                "By" => "_bytes",
                _ => "",
            };
            name += unitSuffix;
            return Kind == MetricKind.Counter ? name + "_total" : name;
        }
    }
}
