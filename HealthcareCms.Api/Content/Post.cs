using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HealthcareCms.Api.Content;

public static class PostStatus
{
    public const string Draft = "draft";
    public const string Submitted = "submitted";
    public const string InReview = "in_review";
    public const string Approved = "approved";
    public const string ChangesRequested = "changes_requested";
    public const string Published = "published";
    public const string Archived = "archived";

    public static readonly string[] All = [Draft, Submitted, InReview, Approved, ChangesRequested, Published, Archived];

    /// <summary>Statuses in which the author may edit the text.</summary>
    public static bool IsEditable(string status) => status is Draft or ChangesRequested;
}

public static class MedicalCategories
{
    public static readonly string[] All = HealthcareCms.ServiceDefaults.Telemetry.MetricCatalog.Values.MedicalCategories;

    public static bool IsValid(string? category) => category is not null && All.Contains(category, StringComparer.Ordinal);
}

/// <summary>
/// The post state machine: <c>draft → submitted → in_review → approved | changes_requested →
/// published | archived</c>. A post with changes requested goes back to <c>submitted</c> when its author
/// resubmits; a published post can be archived. The workflow outcome may arrive before the "running"
/// notification was seen, so <c>submitted</c> may move straight to the outcome.
/// </summary>
public static class PostTransitions
{
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        [PostStatus.Draft] = [PostStatus.Submitted],
        [PostStatus.Submitted] = [PostStatus.InReview, PostStatus.Approved, PostStatus.ChangesRequested],
        [PostStatus.InReview] = [PostStatus.Approved, PostStatus.ChangesRequested],
        [PostStatus.Approved] = [PostStatus.Published, PostStatus.Archived],
        [PostStatus.ChangesRequested] = [PostStatus.Submitted, PostStatus.Archived],
        [PostStatus.Published] = [PostStatus.Archived],
        [PostStatus.Archived] = [],
    };

    public static bool CanMove(string from, string to) =>
        Allowed.TryGetValue(from, out var targets) && targets.Contains(to, StringComparer.Ordinal);
}

public sealed class Post
{
    public Guid Id { get; set; }

    public required string Title { get; set; }

    /// <summary>Markdown.</summary>
    public required string Body { get; set; }

    public required string MedicalCategory { get; set; }

    public required string Status { get; set; }

    public Guid AuthorId { get; set; }

    /// <summary>Optimistic-concurrency version the clients send back on update; every change bumps it.</summary>
    public int Version { get; set; } = 1;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? PublishedAt { get; set; }

    /// <summary>The workflow job of the latest submission (<c>workflow.jobs.id</c>).</summary>
    public Guid? WorkflowJobId { get; set; }

    /// <summary>Moves the post, or returns false when the state machine does not allow it.</summary>
    public bool TryMoveTo(string status, DateTimeOffset now)
    {
        if (!PostTransitions.CanMove(Status, status))
        {
            return false;
        }

        Status = status;
        Version++;
        UpdatedAt = now;
        if (status == PostStatus.Published)
        {
            PublishedAt = now;
        }

        return true;
    }
}

/// <summary>The text of a post as it was before an edit (every edit keeps the previous revision).</summary>
public sealed class PostRevision
{
    public Guid Id { get; set; }

    public Guid PostId { get; set; }

    /// <summary>The post version this text belonged to.</summary>
    public int Version { get; set; }

    public required string Title { get; set; }

    public required string Body { get; set; }

    public required string MedicalCategory { get; set; }

    public Guid EditedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class PostConfiguration : IEntityTypeConfiguration<Post>
{
    public void Configure(EntityTypeBuilder<Post> post)
    {
        post.ToTable("posts");
        post.HasKey(p => p.Id);
        post.Property(p => p.Title).HasMaxLength(200);
        post.Property(p => p.MedicalCategory).HasMaxLength(40);
        post.Property(p => p.Status).HasMaxLength(40);
        post.Property(p => p.Version).IsConcurrencyToken();
        post.HasIndex(p => new { p.Status, p.PublishedAt });
        post.HasIndex(p => p.AuthorId);
        post.HasIndex(p => p.WorkflowJobId);
    }
}

internal sealed class PostRevisionConfiguration : IEntityTypeConfiguration<PostRevision>
{
    public void Configure(EntityTypeBuilder<PostRevision> revision)
    {
        revision.ToTable("post_revisions");
        revision.HasKey(r => r.Id);
        revision.Property(r => r.Title).HasMaxLength(200);
        revision.Property(r => r.MedicalCategory).HasMaxLength(40);
        revision.HasIndex(r => new { r.PostId, r.Version }).IsUnique();
        revision.HasOne<Post>().WithMany().HasForeignKey(r => r.PostId).OnDelete(DeleteBehavior.Cascade);
    }
}
