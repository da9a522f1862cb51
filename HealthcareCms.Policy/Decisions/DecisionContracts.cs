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
