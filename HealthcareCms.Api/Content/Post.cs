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

    /// <summary>Optimistic-concurrency version the clients send back on update.</summary>
    public int Version { get; set; } = 1;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? PublishedAt { get; set; }
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
    }
}
