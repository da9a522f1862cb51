using System.Text.Json;
using HealthcareCms.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace HealthcareCms.Api.Content;

public sealed record WorkflowAuthor(string? DisplayName, string? Crm, string? Uf, string? Rqe, string? Specialty);

/// <summary>The job payload of CONTRACTS §4.</summary>
public sealed record WorkflowPayload(
    Guid PostId, int Version, string Title, string Body, string MedicalCategory, WorkflowAuthor Author,
    IReadOnlyList<Guid> PatientConsentIds);

/// <summary>
/// Hands a submitted post to the worker: one INSERT into <c>workflow.jobs</c>, executed in the caller's
/// transaction, so the job exists if and only if the post's move to <c>submitted</c> commits.
/// </summary>
public sealed class WorkflowHandOff(CmsDbContext db)
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public async Task<Guid> EnqueueAsync(Post post, CancellationToken cancellationToken)
    {
        var jobId = Guid.CreateVersion7();
        var author = await AuthorAsync(post.AuthorId, cancellationToken);
        var consentIds = await db.PatientConsents.AsNoTracking()
            .Where(c => c.PostId == post.Id)
            .OrderBy(c => c.CreatedAt)
            .Select(c => c.Id)
            .ToListAsync(cancellationToken);
        var payload = JsonSerializer.Serialize(
            new WorkflowPayload(post.Id, post.Version, post.Title, post.Body, post.MedicalCategory, author, consentIds), JsonOptions);

        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO workflow.jobs (id, post_id, post_version, payload, medical_category, state, available_at, created_at)
            VALUES ({jobId}, {post.Id}, {post.Version}, CAST({payload} AS jsonb), {post.MedicalCategory}, 'pending', now(), now())
            """, cancellationToken);
        return jobId;
    }

    private async Task<WorkflowAuthor> AuthorAsync(Guid authorId, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking()
            .Where(u => u.Id == authorId)
            .Select(u => new WorkflowAuthor(u.DisplayName, u.Crm, u.Uf, u.Rqe, u.Specialty))
            .SingleOrDefaultAsync(cancellationToken)
        ?? new WorkflowAuthor(null, null, null, null, null);
}
