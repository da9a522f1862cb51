using HealthcareCms.ServiceDefaults.Telemetry;

namespace HealthcareCms.Tests.Observability;

/// <summary>
/// What the observability tests know about the metrics: the catalog's Prometheus names, which custom
/// meters have no emitting code in this branch yet, and which raw metrics a recorded series depends on.
/// </summary>
public static class MetricContract
{
    /// <summary>
    /// Meters whose emitting capability is not in this branch, with the reason. Their metrics are checked
    /// against the contract statically (name, tag keys, tag values) but may be absent from Prometheus.
    /// TIGHTEN: when a capability is merged AND the traffic run drives it, delete its entry; from then on
    /// its metrics, and every expression reading them, must be live.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> PendingMeters = new Dictionary<string, string>
    {
        [MetricCatalog.Meters.Auth] = "emitted by identity (issue 3): not merged into this branch",
        [MetricCatalog.Meters.Compliance] = "emitted by content/PHI/LGPD (issue 4): not merged into this branch",
        [MetricCatalog.Meters.Live] = "emitted by content's live-updates hub (issue 4): not merged into this branch",
        [MetricCatalog.Meters.Repo] = "emitted by content's repository instrumentation (issue 4): not merged into this branch",
        [MetricCatalog.Meters.Workflows] = "emitted by the workflow worker (issue 6): not merged into this branch",
        [MetricCatalog.Meters.Wasm] = "emitted by the workflow worker's WASM host (issue 6): not merged into this branch",
        [MetricCatalog.Meters.ZeroTrust] = "emitted by the policy service and enforcement (issue 5): not merged into this branch",
    };

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

    public static string? PendingReason(string seriesName) =>
        BySeriesName.TryGetValue(seriesName, out var definition) ? PendingMeters.GetValueOrDefault(definition.Meter) : null;

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

    /// <summary>
    /// Why a selector may legitimately return nothing yet, or null when it must return data now. A raw
    /// metric is pending when its meter is; a recorded series is live when at least one recording rule
    /// that can produce it (its static labels agree with the selector's equality matchers) reads only live
    /// selectors, followed transitively, with the selector's label requirements (the slo label) flowing down.
    /// A recorded series no rule can produce is "must be live", so the live check reports it.
    /// </summary>
    public static string? PendingReason(SeriesSelector selector, IReadOnlyList<PromExpression> rules, int depth = 0)
    {
        var producers = rules.Where(r => r.Kind == ExpressionKind.Recording && r.Name == selector.Metric).ToArray();
        if (producers.Length == 0 || depth > 10)
        {
            return PendingReason(selector.Metric);
        }

        var required = selector.Matchers.Where(m => m.Operator == "=").ToDictionary(m => m.Label, m => m.Value);
        string? firstReason = null;
        foreach (var rule in producers.Where(r => !r.RuleLabels.Any(l => required.TryGetValue(l.Key, out var v) && v != l.Value)))
        {
            var flowing = selector.Matchers.Where(m => m.Operator == "=" && !rule.RuleLabels.ContainsKey(m.Label)).ToArray();
            var reason = PromQl.Selectors(rule.Expr)
                .Select(inner => inner with { Matchers = [.. inner.Matchers, .. flowing.Where(f => inner.Matchers.All(m => m.Label != f.Label))] })
                .Select(inner => PendingReason(inner, rules, depth + 1))
                .FirstOrDefault(r => r is not null);
            if (reason is null)
            {
                return null;
            }

            firstReason ??= reason;
        }

        return firstReason;
    }

    /// <summary>Why an expression may return nothing yet (its first pending selector), or null when it must be live.</summary>
    public static string? PendingReason(PromExpression expression, IReadOnlyList<PromExpression> rules) =>
        PromQl.Selectors(ObservabilityFiles.Concrete(expression))
            .Select(s => PendingReason(s, rules) is { } reason ? $"{s.Metric}: {reason}" : null)
            .FirstOrDefault(r => r is not null);
}
