using HealthcareCms.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HealthcareCms.Tests.Observability;

/// <summary>
/// Every PromQL expression of the repository (rule files and dashboards, variables substituted) run
/// against the real Prometheus of the AppHost after a traffic run.
/// <list type="bullet">
/// <item>Strict for all: Prometheus must accept and evaluate it (a parse or execution error fails).</item>
/// <item>Strict for all: every selector on a custom metric honours MetricCatalog (name, tag keys, values).</item>
/// <item>Strict for all: a dashboard target, variable or recording rule must return series ("dead panel"
/// otherwise); every metric an alert reads must have series; every label a selector names must exist on
/// its metric. The traffic run drives every capability, so no expression is excused.</item>
/// </list>
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class PromQlAgainstPrometheusTests(AppHostFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Every_expression_parses_and_returns_series()
    {
        await ObservabilityTraffic.EnsureAsync(fixture);
        using var prometheus = fixture.CreateClient("prometheus");
        var expressions = ObservabilityFiles.AllExpressions();
        var failures = new List<string>();

        foreach (var expression in expressions)
        {
            var query = ObservabilityFiles.Concrete(expression);
            var result = await PrometheusQuery.RunAsync(prometheus, query);
            if (result.ErrorType is not null)
            {
                failures.Add($"{expression}: Prometheus rejected it ({result.ErrorType}: {result.Error})\n    {query}");
                continue;
            }

            var selectors = PromQl.Selectors(query);
            failures.AddRange(selectors.Where(s => MetricContract.IsCustom(s.Metric))
                .SelectMany(MetricContract.ContractViolations)
                .Select(v => $"{expression}: {v}"));

            if (expression.Kind == ExpressionKind.Alert)
            {
                // An alert's input metric must exist; its exact label values may legitimately not occur
                // (no deny decision, no 5xx) — label keys are checked below, custom values statically above.
                foreach (var metric in selectors.Select(s => s.Metric).Distinct())
                {
                    if ((await PrometheusQuery.RunAsync(prometheus, $"{{__name__=\"{metric}\"}}")).Series.Count == 0)
                    {
                        failures.Add($"{expression}: {metric} has no series (dead alert input)");
                    }
                }
            }
            else if (result.Series.Count == 0)
            {
                failures.Add($"{expression}: returns no series (dead {(expression.Kind == ExpressionKind.Recording ? "recording rule" : "panel")})\n    {query}");
            }

            foreach (var selector in selectors.Where(s => !s.Metric.Contains(':')))
            {
                foreach (var matcher in selector.Matchers)
                {
                    var labelExists = $"count({{__name__=\"{selector.Metric}\", {matcher.Label}!=\"\"}})";
                    if ((await PrometheusQuery.RunAsync(prometheus, labelExists)).Series.Count == 0)
                    {
                        failures.Add($"{expression}: no {selector.Metric} series has a label '{matcher.Label}'");
                    }
                }
            }
        }

        output.WriteLine($"{expressions.Count} expressions evaluated, {failures.Count} failed");
        Assert.True(expressions.Count > 100, $"only {expressions.Count} expressions found");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }
}
