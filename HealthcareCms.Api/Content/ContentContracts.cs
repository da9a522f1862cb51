namespace HealthcareCms.Api.Content;

public sealed record PagedResult<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);

public sealed record PublishedPostSummary(
    Guid Id,
    string Title,
    string MedicalCategory,
    DateTimeOffset PublishedAt);

public sealed record CreatePostRequest(string? Title, string? Body, string? MedicalCategory);

/// <param name="Version">The post's <c>version</c> from the last read; a stale one is refused with 409.</param>
public sealed record UpdatePostRequest(string? Title, string? Body, string? MedicalCategory, int? Version);

public sealed record PostDetails(
    Guid Id,
    int Version,
    string Status,
    string Title,
    string Body,
    string MedicalCategory,
    Guid AuthorId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? PublishedAt)
{
    public static PostDetails From(Post post) => new(
        post.Id, post.Version, post.Status, post.Title, post.Body, post.MedicalCategory, post.AuthorId,
        post.CreatedAt, post.UpdatedAt, post.PublishedAt);
}

public sealed record PostRevisionView(int Version, string Title, string Body, string MedicalCategory, Guid EditedBy, DateTimeOffset CreatedAt);

public sealed record SubmissionAccepted(Guid Id, int Version, string Status, Guid JobId);

public sealed record WorkflowFinding(string RuleId, string Message, int Start, int Length);

public sealed record WorkflowStageView(string Stage, string Result, IReadOnlyList<WorkflowFinding> Findings);

/// <param name="Status">The job's state: <c>pending</c>, <c>running</c>, <c>completed</c> or <c>dead_letter</c>.</param>
/// <param name="Outcome"><c>approved</c> or <c>changes_requested</c> once completed.</param>
public sealed record WorkflowView(string Status, string? Outcome, IReadOnlyList<WorkflowStageView> Stages);
