using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace HealthcareCms.Api.Slo;

/// <summary>
/// Reads the SLO recording rules from Prometheus (typed HttpClient, base address from
/// <c>Prometheus:Url</c>, which the AppHost injects). Anything it cannot read — Prometheus unreachable,
/// an error answer, a missing or NaN series — makes that objective <c>unknown</c>; it never assumes ok.
/// </summary>
public sealed partial class PrometheusSloReader(HttpClient http, ILogger<PrometheusSloReader> logger)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private static readonly ActivitySource ActivitySource = new("HealthcareCms.Api");

    /// <summary>The objectives slo.yml records, with what each measures. Targets come from Prometheus.</summary>
    public static readonly IReadOnlyList<(string Name, string Objective)> Objectives =
    [
        ("availability", "non-5xx fraction of the api's requests over 30 days"),
        ("latency", "fraction of the api's requests served in under 0.5 s over 30 days"),
        ("workflow_success", "ok / (ok + error) of completed workflow pipelines over 30 days"),
    ];

    private const string Target = "slo:objective:ratio";
    private const string Current = "slo:sli:ratio_rate30d";
    private const string BudgetRemaining = "slo:error_budget_remaining:ratio";
    private const string BurnRate1h = "slo:burn_rate:rate1h";
    private const string BurnRate6h = "slo:burn_rate:rate6h";

    public async Task<SloReport> ReadAsync(CancellationToken cancellationToken)
    {
        using var activity = ActivitySource.StartActivity("slo.read");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);

        string? failure = null;
        var series = new Dictionary<string, IReadOnlyDictionary<string, double>>();
        try
        {
            string[] records = [Target, Current, BudgetRemaining, BurnRate1h, BurnRate6h];
            var results = await Task.WhenAll(records.Select(r => QueryAsync(r, timeout.Token)));
            for (var i = 0; i < records.Length; i++)
            {
                series[records[i]] = results[i];
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException or KeyNotFoundException
            or InvalidOperationException or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            failure = "prometheus_unreachable";
            LogPrometheusUnreachable(logger, ex.GetType().Name);
        }

        var objectives = Objectives.Select(o => failure is null ? Evaluate(o.Name, o.Objective, series) : Unknown(o.Name, o.Objective, failure)).ToArray();
        var overall = SloStatuses.BySeverity.First(s => s == SloStatuses.Ok || objectives.Any(o => o.Status == s));
        activity?.SetTag("slo.status", overall);
        return new SloReport(overall, DateTimeOffset.UtcNow, objectives);
    }

    private static SloObjectiveStatus Evaluate(string name, string objective, Dictionary<string, IReadOnlyDictionary<string, double>> series)
    {
        double? Value(string record) => series[record].TryGetValue(name, out var v) && double.IsFinite(v) ? v : null;

        var target = Value(Target);
        var current = Value(Current);
        var remaining = Value(BudgetRemaining);
        var burn1h = Value(BurnRate1h);
        var burn6h = Value(BurnRate6h);
        if (target is null || current is null || remaining is null)
        {
            return new SloObjectiveStatus(name, objective, SloStatuses.Unknown, target, null, null, burn1h, burn6h, "no_data");
        }

        var status = current < target ? SloStatuses.Breached
            : burn1h is null ? SloStatuses.Unknown
            : burn1h > 1 ? SloStatuses.AtRisk
            : SloStatuses.Ok;
        return new SloObjectiveStatus(name, objective, status, target, current, remaining, burn1h, burn6h,
            status == SloStatuses.Unknown ? "no_recent_data" : null);
    }

    private static SloObjectiveStatus Unknown(string name, string objective, string reason) =>
        new(name, objective, SloStatuses.Unknown, null, null, null, null, null, reason);

    /// <summary>An instant query of one recorded series: its value per <c>slo</c> label.</summary>
    private async Task<IReadOnlyDictionary<string, double>> QueryAsync(string record, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync("/api/v1/query", new FormUrlEncodedContent([new("query", record)]), cancellationToken);
        response.EnsureSuccessStatusCode();
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        var root = body.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus answered {root.GetProperty("errorType").GetString()}");
        }

        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var sample in root.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            if (sample.GetProperty("metric").TryGetProperty("slo", out var slo) && slo.GetString() is { } sloName
                && PrometheusNumber(sample.GetProperty("value")[1].GetString()) is { } value)
            {
                values[sloName] = value;
            }
        }

        return values;
    }

    /// <summary>A sample value as Prometheus writes it (<c>NaN</c>, <c>+Inf</c>, <c>-Inf</c> included); null when it is
    /// not a finite number, so the SLO reports no value rather than a made-up one.</summary>
    internal static double? PrometheusNumber(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Prometheus could not be read for the SLO report ({ErrorType}); every objective is unknown")]
    private static partial void LogPrometheusUnreachable(ILogger logger, string errorType);
}
