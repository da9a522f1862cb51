namespace HealthcareCms.Policy.Decisions;

public sealed record DecisionRequest(DecisionSubject? Subject, DecisionResource? Resource, string? Action, DecisionContext? Context);

public sealed record DecisionSubject(
    string? Id,
    string? Status,
    IReadOnlyList<string>? Roles,
    IReadOnlyList<string>? Amr,
    long SessionAgeSeconds,
    int RecentFailedLogins);

public sealed record DecisionResource(string? Type, string? Id, string? OwnerId);

public sealed record DecisionContext(
    string? Ip,
    string? DeviceId,
    bool? DeviceManaged,
    DateTimeOffset? Time,
    int? RequestRatePerMinute);

public sealed record DecisionResponse(
    string DecisionId,
    string Decision,
    int TrustScore,
    IReadOnlyList<string> Reasons,
    string PolicyVersion,
    IReadOnlyList<string> Obligations);

/// <summary><c>POST /v1/decisions/simulate</c>: a request, and optionally a candidate policy document to try
/// it against instead of the active one (the candidate is validated, never activated).</summary>
public sealed record SimulationRequest(DecisionRequest? Request, System.Text.Json.JsonElement? Policy);

/// <summary>A simulated decision with what explains it: each factor's points, the threshold, the classifications.</summary>
public sealed record SimulationResponse(
    DecisionResponse Decision,
    int? Threshold,
    IReadOnlyDictionary<string, double> FactorPoints,
    string Network,
    string Device);
