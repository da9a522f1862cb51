using System.Globalization;
using System.Text.Json;
using HealthcareCms.Api.Identity;
using HealthcareCms.Api.Slo;
using HealthcareCms.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace HealthcareCms.Tests.Observability;

/// <summary><c>GET /api/slo</c> against the real Prometheus of the AppHost, after the traffic run.</summary>
[Collection(AppHostCollection.Name)]
public sealed class SloApiTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Reports_the_recording_rules_values_for_every_slo()
    {
        await ObservabilityTraffic.EnsureAsync(fixture);
        using var admin = (await TestUsers.AdminAsync(fixture)).Client;
        using var prometheus = fixture.CreateClient("prometheus");

        var report = await admin.GetFromJsonAsync<SloReport>("/api/slo", Web);

        Assert.True(report is not null, "no report");
        Assert.Equal(["availability", "latency", "workflow_success"], report.Objectives.Select(o => o.Name));
        var expectedTargets = new Dictionary<string, double> { ["availability"] = 0.9995, ["latency"] = 0.99, ["workflow_success"] = 0.95 };
        foreach (var objective in report.Objectives)
        {
            Assert.Equal(expectedTargets[objective.Name], objective.Target);
            if (objective.Status == SloStatuses.Unknown)
            {
                Assert.Null(objective.Current);
                Assert.NotNull(objective.Reason);
                continue;
            }

            // The numbers are Prometheus's own (read a moment apart: the 30-day window of a fresh system still moves).
            Assert.InRange(objective.Current!.Value, await ValueAsync(prometheus, "slo:sli:ratio_rate30d", objective.Name) - 0.05,
                await ValueAsync(prometheus, "slo:sli:ratio_rate30d", objective.Name) + 0.05);
            Assert.Equal(objective.Current < objective.Target, objective.ErrorBudgetRemaining < 0);
            Assert.NotNull(objective.BurnRate1h);
            Assert.Equal(objective.Current < objective.Target ? SloStatuses.Breached : objective.BurnRate1h > 1 ? SloStatuses.AtRisk : SloStatuses.Ok,
                objective.Status);
        }

        // The traffic run served api requests: its two SLOs have data. The overall status is the worst one,
        // so it is never ok while an objective (e.g. workflow_success without a worker run) is unknown.
        Assert.True(report.Objectives.Where(o => o.Name != "workflow_success").All(o => o.Status != SloStatuses.Unknown), JsonSerializer.Serialize(report));
        Assert.InRange(report.Objectives.Single(o => o.Name == "availability").Current!.Value, 0, 1);
        Assert.Equal(SloStatuses.BySeverity.First(s => s == SloStatuses.Ok || report.Objectives.Any(o => o.Status == s)), report.Status);
        if (report.Objectives.Any(o => o.Status == SloStatuses.Unknown))
        {
            Assert.NotEqual(SloStatuses.Ok, report.Status);
        }
    }

    /// <summary>Admins only; the role refusal is audited under the route group's declared resource type (<c>slo</c>).</summary>
    [Fact]
    public async Task Is_for_admins_only()
    {
        using var anonymous = fixture.CreateClient("api");
        var editor = await TestUsers.CreateSessionAsync(fixture, Roles.Editor);
        using var _ = editor.Client;

        using var anonymousResponse = await anonymous.GetAsync("/api/slo");
        using var editorResponse = await editor.Client.GetAsync("/api/slo");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymousResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, editorResponse.StatusCode);
        Assert.Equal(1L, await HealthcareCms.Tests.Content.ContentTestKit.ScalarAsync<long>(fixture,
            "SELECT count(*) FROM cms.audit_log WHERE user_id = $1 AND resource_type = 'slo' AND action = 'deny' AND outcome = 'denied'",
            editor.UserId));
    }

    [Fact]
    public async Task Unreachable_prometheus_makes_every_objective_unknown_never_ok()
    {
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:1") };
        var reader = new PrometheusSloReader(http, NullLogger<PrometheusSloReader>.Instance);

        var report = await reader.ReadAsync(CancellationToken.None);

        Assert.Equal(SloStatuses.Unknown, report.Status);
        Assert.All(report.Objectives, o =>
        {
            Assert.Equal(SloStatuses.Unknown, o.Status);
            Assert.Equal("prometheus_unreachable", o.Reason);
            Assert.Null(o.Target);
            Assert.Null(o.Current);
            Assert.Null(o.ErrorBudgetRemaining);
            Assert.Null(o.BurnRate1h);
        });
    }

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static async Task<double> ValueAsync(HttpClient prometheus, string record, string slo)
    {
        var result = await PrometheusQuery.RunAsync(prometheus, $"{record}{{slo=\"{slo}\"}}");
        return double.Parse(result.Series.Single().GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }
}

/// <summary>Prometheus writes non-finite samples as <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>: none of them may break the
/// report (a parse error was a 500) or pass for a value.</summary>
public sealed class PrometheusNumberTests
{
    [Theory]
    [InlineData("0.9995", 0.9995)]
    [InlineData("1e-3", 0.001)]
    [InlineData("+Inf", null)]
    [InlineData("-Inf", null)]
    [InlineData("NaN", null)]
    [InlineData("not a number", null)]
    [InlineData(null, null)]
    public void Only_finite_numbers_are_values(string? text, double? expected) =>
        Assert.Equal(expected, HealthcareCms.Api.Slo.PrometheusSloReader.PrometheusNumber(text));
}
