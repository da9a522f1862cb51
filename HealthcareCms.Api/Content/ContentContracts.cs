namespace HealthcareCms.Api.Content;

public sealed record PagedResult<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);

public sealed record PublishedPostSummary(
    Guid Id,
    string Title,
    string MedicalCategory,
    DateTimeOffset PublishedAt);
