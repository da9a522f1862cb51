namespace HealthcareCms.Api.Access;

// The wire shape of the policy service's POST /v1/decisions (issue 5); the policy service owns it.

public sealed record PolicyDecisionRequest(PolicySubject Subject, PolicyResource Resource, string Action, PolicyContext Context);

public sealed record PolicySubject(
    string Id,
    string Status,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Amr,
    long SessionAgeSeconds,
    int RecentFailedLogins);

public sealed record PolicyResource(string Type, string? Id, string? OwnerId);

public sealed record PolicyContext(string Ip, string? DeviceId, bool? DeviceManaged, DateTimeOffset Time, int? RequestRatePerMinute);

public sealed record PolicyDecisionResponse(
    string? DecisionId,
    string? Decision,
    int TrustScore,
    IReadOnlyList<string>? Reasons,
    string? PolicyVersion,
    IReadOnlyList<string>? Obligations);
