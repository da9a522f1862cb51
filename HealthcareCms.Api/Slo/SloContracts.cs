namespace HealthcareCms.Api.Slo;

/// <summary>
/// <c>GET /api/slo</c>. <see cref="Status"/> is the worst of the objectives' statuses; it is never
/// <c>ok</c> while any objective is <c>unknown</c>.
/// </summary>
public sealed record SloReport(string Status, DateTimeOffset EvaluatedAt, IReadOnlyList<SloObjectiveStatus> Objectives);

/// <summary>
/// One objective over its 30-day window, from the recording rules in observability/prometheus/rules/slo.yml.
/// Ratios are 0-1. <see cref="ErrorBudgetRemaining"/> is negative once the budget is overspent; a burn rate
/// of 1 spends the budget exactly in 30 days. Every number is null when Prometheus has no value
/// (status <c>unknown</c>, with the <see cref="Reason"/>).
/// </summary>
public sealed record SloObjectiveStatus(
    string Name,
    string Objective,
    string Status,
    double? Target,
    double? Current,
    double? ErrorBudgetRemaining,
    double? BurnRate1h,
    double? BurnRate6h,
    string? Reason);

public static class SloStatuses
{
    public const string Ok = "ok";

    /// <summary>Spending the error budget faster than it refills (1-hour burn rate above 1).</summary>
    public const string AtRisk = "at_risk";

    /// <summary>The 30-day value is below target: the error budget is spent.</summary>
    public const string Breached = "breached";

    public const string Unknown = "unknown";

    /// <summary>Worst first: the overall status is the first of these any objective has.</summary>
    public static readonly string[] BySeverity = [Breached, AtRisk, Unknown, Ok];
}
