namespace HealthcareCms.Api.Lgpd;

public sealed record CreateSubscriberRequest(string? Name, string? Email, IReadOnlyList<string>? Consents);

public sealed record SubscriberCreated(Guid Id, IReadOnlyList<string> Consents);

public sealed record SubscriberMessageRequest(string? Purpose, string? Subject, string? Body);

public sealed record MessageQueued(Guid SubscriberId, string Purpose);

public sealed record CreateDataSubjectRequest(string? Type, string? Email);

public sealed record DataSubjectRequestAccepted(Guid Id, DateTimeOffset DueAt);

/// <param name="Token">The confirmation token emailed to the subject.</param>
/// <param name="Name">For <c>correction</c>: the corrected name.</param>
public sealed record ConfirmDataSubjectRequest(string? Token, string? Name);

public sealed record ConsentEntryView(string Purpose, string Action, string PolicyVersion, string Channel, DateTimeOffset RecordedAt);

public sealed record SubjectDataView(string? Name, string? Email, DateTimeOffset CreatedAt, IReadOnlyList<string> CurrentConsents, IReadOnlyList<ConsentEntryView> ConsentHistory);

/// <summary>The answer to a confirmed request. Which fields are set depends on the type.</summary>
/// <param name="Exists">Whether the controller processes personal data of this email (every type).</param>
/// <param name="Data">access / portability: the subject's data; correction: the data after the change.</param>
/// <param name="Format">portability: the machine-readable format of <paramref name="Data"/>.</param>
/// <param name="RevokedPurposes">revocation / deletion: the consents revoked.</param>
/// <param name="SharedWith">sharing_info: the recipients personal data is shared with.</param>
public sealed record DataSubjectResult(
    bool Exists,
    SubjectDataView? Data = null,
    string? Format = null,
    IReadOnlyList<string>? RevokedPurposes = null,
    IReadOnlyList<string>? SharedWith = null,
    bool? Anonymised = null);

public sealed record DataSubjectRequestCompleted(Guid Id, string Type, string State, DateTimeOffset CompletedAt, DataSubjectResult Result);

public sealed record DataSubjectRequestView(Guid Id, string Type, string State, DateTimeOffset CreatedAt, DateTimeOffset DueAt, DateTimeOffset? CompletedAt, bool Overdue);
