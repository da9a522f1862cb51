using System.Text;
using HealthcareCms.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HealthcareCms.Tests.Observability;

/// <summary>
/// Every PromQL expression of the repository (rule files and dashboards, variables substituted) run
/// against the real Prometheus of the AppHost after a traffic run.
/// <list type="bullet">
/// <item>Strict for all: Prometheus must accept and evaluate it (a parse or execution error fails).</item>
/// <item>Strict for all: every selector on a custom metric honours MetricCatalog (name, tag keys, values).</item>
/// <item>Strict for live expressions (no pending selector): a dashboard target, variable or recording rule
/// must return series ("dead panel" otherwise); every selector of an alert must match series; every
/// label a selector names must exist on its metric.</item>
/// <item>Pending expressions (reading metrics of a capability listed in
/// <see cref="MetricContract.PendingMeters"/>) are reported with their reason, not failed.</item>
/// </list>
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class PromQlAgainstPrometheusTests(AppHostFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Every_expression_parses_and_every_live_expression_returns_series()
    {
        await ObservabilityTraffic.EnsureAsync(fixture);
        using var prometheus = fixture.CreateClient("prometheus");
        var rules = ObservabilityFiles.RuleExpressions();
        var expressions = ObservabilityFiles.AllExpressions();
        var failures = new List<string>();
        var pending = new List<string>();
        var live = 0;

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

            if (MetricContract.PendingReason(expression, rules) is { } reason)
            {
                pending.Add($"{expression} ({(result.Series.Count > 0 ? "already returns data" : "no data yet")}) — {reason}");
                continue;
            }

            live++;
            if (expression.Kind == ExpressionKind.Alert)
            {
                foreach (var selector in selectors)
                {
                    if ((await PrometheusQuery.RunAsync(prometheus, selector.ToString())).Series.Count == 0)
                    {
                        failures.Add($"{expression}: selector {selector} matches no series (dead alert input)");
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

        var report = new StringBuilder()
            .AppendLine($"{expressions.Count} expressions evaluated: {live} live (strict), {pending.Count} pending on capabilities not in this branch:");
        pending.ForEach(p => report.AppendLine("  " + p));
        output.WriteLine(report.ToString());

        Assert.True(expressions.Count > 100, $"only {expressions.Count} expressions found");
        Assert.True(failures.Count == 0, string.Join('\n', failures) + "\n\n" + report);
    }
}
