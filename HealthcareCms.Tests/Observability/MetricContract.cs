using HealthcareCms.ServiceDefaults.Telemetry;

namespace HealthcareCms.Tests.Observability;

/// <summary>
/// What the observability tests know about the metrics: the catalog's Prometheus names, which custom
/// meters have no emitting code in this branch yet, and which raw metrics a recorded series depends on.
/// </summary>
public static class MetricContract
{
    /// <summary>
    /// Meters none of whose metrics the traffic run produces yet, with the reason. Their metrics are checked
    /// against the contract statically (name, tag keys, tag values) but may be absent from Prometheus.
    /// TIGHTEN: when <see cref="ObservabilityTraffic"/> drives the capability, delete the entry; from then on
    /// its metrics, and every expression reading them, must be live.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> PendingMeters = new Dictionary<string, string>
    {
        [MetricCatalog.Meters.Live] = "needs a SignalR connection to the live-updates hub; the traffic run opens none",
        [MetricCatalog.Meters.Wasm] = "needs a submitted post run through the WASM plugins; the traffic run submits none",
    };

    /// <summary>
    /// Single metrics of otherwise live meters that the traffic run does not produce, with the reason: a
    /// use case it does not exercise yet, or a fault counter that exists only after its first fault (the
    /// emitting code does not initialise it at zero). Same rule as <see cref="PendingMeters"/>.
    /// </summary>
    private const string ZeroTrustDecision =
        "the traffic run's gateway call makes a policy decision, but the checks can run before Prometheus holds two "
        + "samples of it; to tighten, wait for count_over_time(...[1m]) > 1 in ObservabilityTraffic (or drive a PHI read)";

    public static readonly IReadOnlyDictionary<string, string> PendingMetrics = new Dictionary<string, string>
    {
        ["healthcare_cms.compliance.lgpd_events"] = "needs an LGPD consent or data-subject request; the traffic run files none",
        ["healthcare_cms.compliance.phi_access"] = "needs a PHI read by an MFA physician; the traffic run makes none",
        ["healthcare_cms.compliance.audit_write_failures"] = "fault counter: appears at the first failed audit write",
        ["healthcare_cms.medical_workflows.started"] = "needs a submitted post; the traffic run submits none",
        ["healthcare_cms.medical_workflows.completed"] = "needs a submitted post; the traffic run submits none",
        ["healthcare_cms.medical_workflows.duration"] = "needs a submitted post; the traffic run submits none",
        ["healthcare_cms.gateway.forward_failures"] = "fault counter: appears at the first failed forward",
        ["healthcare_cms.zero_trust.policy_evaluations"] = ZeroTrustDecision,
        ["healthcare_cms.zero_trust.trust_scores"] = ZeroTrustDecision,
        ["healthcare_cms.zero_trust.evaluation_time"] = ZeroTrustDecision,
        ["healthcare_cms.zero_trust.denials"] = "needs a denied decision; the traffic run asks for none",
        ["healthcare_cms.zero_trust.enforcement_failures"] = "fault counter: appears at the first fail-closed refusal (policy service down)",
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
        BySeriesName.TryGetValue(seriesName, out var definition) ? PendingReason(definition) : null;

    public static string? PendingReason(MetricDefinition definition) =>
        PendingMetrics.GetValueOrDefault(definition.Name) ?? PendingMeters.GetValueOrDefault(definition.Meter);

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
