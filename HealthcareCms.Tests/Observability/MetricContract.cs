using HealthcareCms.ServiceDefaults.Telemetry;

namespace HealthcareCms.Tests.Observability;

/// <summary>
/// What the observability tests know about the metrics: the catalog's Prometheus names and the labels a
/// selector may use. Every declared metric must be live after the traffic run: there is no pending list.
/// </summary>
public static class MetricContract
{
    /// <summary>Labels Prometheus or the exporter add to every custom series, besides its declared tags.</summary>
    public static readonly string[] InfrastructureLabels = ["job", "instance", "otel_scope_name", "otel_scope_version"];

    /// <summary>Every series name a declared instrument is exported under, to its definition.</summary>
    public static readonly IReadOnlyDictionary<string, MetricDefinition> BySeriesName = MetricCatalog.All
        .SelectMany(d => SeriesNames(d).Select(name => (name, d)))
        .ToDictionary(x => x.name, x => x.d, StringComparer.Ordinal);

    public static IEnumerable<string> SeriesNames(MetricDefinition definition) =>
        definition.Kind == MetricKind.Histogram
            ? [definition.PrometheusName + "_bucket", definition.PrometheusName + "_sum", definition.PrometheusName + "_count"]
            : [definition.PrometheusName];

    public static bool IsCustom(string seriesName) => seriesName.StartsWith("healthcare_cms_", StringComparison.Ordinal);

    /// <summary>Contract violations of one selector on a custom metric (empty when it honours the catalog).</summary>
    public static IEnumerable<string> ContractViolations(SeriesSelector selector)
    {
        if (!BySeriesName.TryGetValue(selector.Metric, out var definition))
        {
            yield return $"{selector.Metric} is not a series of any metric declared in MetricCatalog";
            yield break;
        }

        foreach (var matcher in selector.Matchers)
        {
            if (InfrastructureLabels.Contains(matcher.Label) || (matcher.Label == "le" && selector.Metric.EndsWith("_bucket", StringComparison.Ordinal)))
            {
                continue;
            }

            if (!definition.TagsByKey.TryGetValue(matcher.Label, out var tag))
            {
                yield return $"{selector}: tag '{matcher.Label}' is not declared for {definition.Name}";
                continue;
            }

            foreach (var value in matcher.LiteralValues ?? [])
            {
                if (!tag.ValueSet.Contains(value))
                {
                    yield return $"{selector}: '{value}' is not in the value set of {definition.Name}.{matcher.Label}";
                }
            }
        }
    }
}
