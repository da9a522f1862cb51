using System.Text.RegularExpressions;
using HealthcareCms.Tests.Infrastructure;

namespace HealthcareCms.Tests.Observability;

/// <summary>The rule files, their promtool unit tests and the production config, checked by the real promtool.</summary>
public sealed partial class PrometheusRuleTests
{
    private static readonly string[] SeedAlerts = ["HighLatency", "HighWorkflowFailureRate", "HighPolicyDenialRate", "DatabasePoolExhausted", "HighMemoryUsage"];

    private static readonly string[] PlatformAlerts =
    [
        "PhiAccessWithoutAudit", "AuditWriteFailures", "PolicyEnforcementFailures", "WorkflowJobsStuck", "WorkflowDeadLetters",
        "HighWasmErrorRate", "LgpdRequestOverdue", "ScrapeTargetDown", "ScrapeTargetMissing", "SloErrorBudgetBurnFast", "SloErrorBudgetBurnSlow",
    ];

    /// <summary>Alerts whose condition is structural, not a tunable number: a target down, burn-rate factors.</summary>
    private static readonly string[] AlertsWithoutThreshold = ["ScrapeTargetDown", "ScrapeTargetMissing", "SloErrorBudgetBurnFast", "SloErrorBudgetBurnSlow"];

    [Fact]
    public async Task Promtool_check_rules_accepts_every_rule_file()
    {
        var result = await Promtool.RunAsync(["check", "rules", .. ObservabilityFiles.RuleFiles]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.DoesNotContain("duplicate", result.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Promtool_unit_tests_pass()
    {
        var result = await Promtool.RunAsync(["test", "rules", .. ObservabilityFiles.RuleTestFiles], workingDirectory: ObservabilityFiles.TestsDirectory);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(ObservabilityFiles.RuleTestFiles.Count, Regex.Count(result.Output, "SUCCESS"));
    }

    [Fact]
    public async Task Promtool_check_config_accepts_the_production_prometheus_yml()
    {
        var config = Repository.PathOf("observability", "prometheus", "prometheus.yml");

        var result = await Promtool.RunAsync(["check", "config", config]);

        Assert.True(result.ExitCode == 0, result.Output);
        var yaml = ObservabilityFiles.Yaml(config);
        Assert.Equal("10s", (string)yaml["global"]!["scrape_interval"]!);
        var jobs = yaml["scrape_configs"]!.AsArray().Select(j => (string)j!["job_name"]!).ToArray();
        Assert.Superset(new HashSet<string>(AppHostFixture.ServiceNames), new HashSet<string>(jobs));
    }

    [Fact]
    public void The_seed_alerts_and_the_platform_alerts_exist_under_their_names()
    {
        var names = ObservabilityFiles.Alerts().Select(a => a.Name).ToArray();

        Assert.Equal([.. SeedAlerts, .. PlatformAlerts], names);
    }

    [Fact]
    public void Every_alert_has_severity_summary_description_and_a_runbook_section()
    {
        var runbooks = File.ReadAllText(Repository.PathOf("docs", "runbooks.md"));
        var anchors = HeadingRegex().Matches(runbooks).Select(m => Anchor(m.Groups[1].Value)).ToHashSet();

        foreach (var alert in ObservabilityFiles.Alerts())
        {
            Assert.True(alert.Labels.GetValueOrDefault("severity") is "critical" or "warning", $"{alert.Name}: severity");
            Assert.False(string.IsNullOrWhiteSpace(alert.Annotations.GetValueOrDefault("summary")), $"{alert.Name}: summary");
            Assert.False(string.IsNullOrWhiteSpace(alert.Annotations.GetValueOrDefault("description")), $"{alert.Name}: description");
            Assert.Equal($"docs/runbooks.md#{alert.Name.ToLowerInvariant()}", alert.Annotations.GetValueOrDefault("runbook_url"));
            Assert.Contains(alert.Name.ToLowerInvariant(), anchors);
        }
    }

    [Fact]
    public void Thresholds_live_only_in_thresholds_yml_and_every_one_is_used()
    {
        var thresholds = ObservabilityFiles.RuleExpressions()
            .Where(r => r.Name == "healthcare_cms:alert_threshold")
            .Select(r => r.RuleLabels["alert"])
            .ToArray();
        var alerts = ObservabilityFiles.Alerts();

        foreach (var alert in alerts.Where(a => !AlertsWithoutThreshold.Contains(a.Name)))
        {
            Assert.Contains($"> scalar(healthcare_cms:alert_threshold{{alert=\"{alert.Name}\"}})", alert.Expr);
            // No other comparison with a number literal: the threshold is the only one.
            Assert.Single(ComparisonRegex().Matches(alert.Expr));
        }

        Assert.Equal(alerts.Select(a => a.Name).Except(AlertsWithoutThreshold).Order(), thresholds.Order());
        Assert.All(ObservabilityFiles.RuleFiles.Where(f => !f.EndsWith("thresholds.yml", StringComparison.Ordinal)),
            file => Assert.DoesNotContain("record: slo:objective:ratio", File.ReadAllText(file)));
    }

    [Fact]
    public void The_seed_alerts_are_written_without_the_seed_defects()
    {
        var alerts = ObservabilityFiles.Alerts().ToDictionary(a => a.Name);

        Assert.Contains("histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{", alerts["HighLatency"].Expr);
        Assert.Contains("[5m])))", alerts["HighLatency"].Expr);
        Assert.Contains("sum(rate(healthcare_cms_zero_trust_policy_evaluations_total{decision=\"deny\"}[5m]))", alerts["HighPolicyDenialRate"].Expr);
        Assert.Contains("healthcare_cms_repo_query_queue_time_seconds_bucket", alerts["DatabasePoolExhausted"].Expr);
        Assert.Contains("dotnet_process_memory_working_set_bytes", alerts["HighMemoryUsage"].Expr);
        Assert.Equal("8589934592", ThresholdOf("HighMemoryUsage"));
        Assert.Equal("0.5", ThresholdOf("HighLatency"));
        Assert.Equal("0.1", ThresholdOf("DatabasePoolExhausted"));
        foreach (var alert in alerts.Values)
        {
            Assert.DoesNotMatch(@"histogram_quantile\([^,]+,\s*[a-z_]+_bucket", alert.Expr);
        }
    }

    [Fact]
    public void Every_alert_has_a_unit_test_where_it_fires_and_one_where_it_stays_silent()
    {
        var cases = ObservabilityFiles.RuleTestFiles
            .SelectMany(f => ObservabilityFiles.Yaml(f)["tests"]!.AsArray())
            .SelectMany(t => t!["alert_rule_test"]?.AsArray() ?? [])
            .Select(c => (Name: (string)c!["alertname"]!, Fires: c["exp_alerts"]!.AsArray().Count > 0))
            .ToArray();

        foreach (var alert in ObservabilityFiles.Alerts())
        {
            Assert.True(cases.Any(c => c.Name == alert.Name && c.Fires), $"{alert.Name} has no test where it fires");
            Assert.True(cases.Any(c => c.Name == alert.Name && !c.Fires), $"{alert.Name} has no test where it stays silent");
        }
    }

    [Fact]
    public void Every_slo_recording_rule_has_a_unit_test()
    {
        var tested = string.Join('\n', ObservabilityFiles.RuleTestFiles
            .SelectMany(f => ObservabilityFiles.Yaml(f)["tests"]!.AsArray())
            .SelectMany(t => t!["promql_expr_test"]?.AsArray() ?? [])
            .Select(c => (string)c!["expr"]!));
        var records = ObservabilityFiles.RuleExpressions()
            .Where(r => r.Kind == ExpressionKind.Recording && r.Name.StartsWith("slo:", StringComparison.Ordinal))
            .Select(r => r.Name)
            .Distinct()
            .ToArray();

        Assert.Equal(22, records.Length);
        Assert.All(records, record => Assert.Matches($@"(^|[^\w:]){Regex.Escape(record)}([^\w:]|$)", tested));
    }

    [Fact]
    public void Burn_rate_alerts_use_the_workbook_windows_and_factors()
    {
        var alerts = ObservabilityFiles.Alerts().ToDictionary(a => a.Name);

        Assert.Matches(@"slo:burn_rate:rate1h > 14\.4 and slo:burn_rate:rate5m > 14\.4", alerts["SloErrorBudgetBurnFast"].Expr);
        Assert.Matches(@"slo:burn_rate:rate6h > 6 and slo:burn_rate:rate30m > 6", alerts["SloErrorBudgetBurnFast"].Expr);
        Assert.Matches(@"slo:burn_rate:rate1d > 3 and slo:burn_rate:rate2h > 3", alerts["SloErrorBudgetBurnSlow"].Expr);
        Assert.Matches(@"slo:burn_rate:rate3d > 1 and slo:burn_rate:rate6h > 1", alerts["SloErrorBudgetBurnSlow"].Expr);
    }

    private static string ThresholdOf(string alert) =>
        ObservabilityFiles.RuleExpressions().Single(r => r.Name == "healthcare_cms:alert_threshold" && r.RuleLabels["alert"] == alert)
            .Expr.Replace("vector(", "").TrimEnd(')');

    private static string Anchor(string heading) =>
        Regex.Replace(heading.Trim().ToLowerInvariant(), @"[^a-z0-9 _-]", "").Replace(' ', '-');

    [GeneratedRegex(@"^#{2,3} (.+)$", RegexOptions.Multiline)]
    private static partial Regex HeadingRegex();

    [GeneratedRegex(@"(>|<|==|!=)=?\s*(scalar|[0-9])")]
    private static partial Regex ComparisonRegex();
}
