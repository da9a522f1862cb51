using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HealthcareCms.Api.Lgpd;

public static class ConsentPurposes
{
    public const string Newsletter = "newsletter";
    public const string ResearchContact = "research_contact";

    public static readonly string[] All = [Newsletter, ResearchContact];
}

public static class ConsentActions
{
    public const string Grant = "grant";
    public const string Revoke = "revoke";
}

public static class ConsentChannels
{
    public const string WebForm = "web_form";
    public const string Api = "api";
    public const string DataSubjectRequest = "data_subject_request";
}

public static class DataSubjectRequestTypes
{
    public const string Confirmation = "confirmation";
    public const string Access = "access";
    public const string Correction = "correction";
    public const string Deletion = "deletion";
    public const string Portability = "portability";
    public const string Revocation = "revocation";
    public const string SharingInfo = "sharing_info";

    public static readonly string[] All = [Confirmation, Access, Correction, Deletion, Portability, Revocation, SharingInfo];
}

public static class DataSubjectRequestStates
{
    /// <summary>Waiting for the data subject to prove control of the email.</summary>
    public const string AwaitingConfirmation = "awaiting_confirmation";
    public const string Completed = "completed";
}

/// <summary>A newsletter subscriber (a data subject). Deletion anonymises the row: name and email are cleared.</summary>
public sealed class Subscriber
{
    public Guid Id { get; set; }

    public string? Name { get; set; }

    /// <summary>Lower-cased; null once anonymised.</summary>
    public string? Email { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? UpdatedAt { get; set; }

    public DateTimeOffset? AnonymisedAt { get; set; }
}

/// <summary>One entry of the append-only consent ledger (LGPD Art. 8): a grant or a revocation.</summary>
public sealed class ConsentRecord
{
    public Guid Id { get; set; }

    public Guid SubscriberId { get; set; }

    public required string Purpose { get; set; }

    /// <summary><c>grant</c> or <c>revoke</c>.</summary>
    public required string Action { get; set; }

    /// <summary>The privacy-policy version the subject agreed to (or revoked under).</summary>
    public required string PolicyVersion { get; set; }

    public required string Channel { get; set; }

    public DateTimeOffset RecordedAt { get; set; }
}

/// <summary>A data-subject request (LGPD Art. 18), due 15 days after it was made (Art. 19).</summary>
public sealed class DataSubjectRequest
{
    public Guid Id { get; set; }

    public required string Type { get; set; }

    public required string State { get; set; }

    /// <summary>Where the confirmation token was sent; cleared when the request is completed.</summary>
    public string? Email { get; set; }

    /// <summary>SHA-256 of the confirmation token (the token itself is only in the email).</summary>
    public required string TokenHash { get; set; }

    public Guid? SubscriberId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset DueAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>When the request was first reported overdue (counted once).</summary>
    public DateTimeOffset? OverdueReportedAt { get; set; }
}

/// <summary>A message the development email sender left for delivery (<c>cms.outbox_emails</c>).</summary>
public sealed class OutboxEmail
{
    public Guid Id { get; set; }

    public required string ToAddress { get; set; }

    public required string Subject { get; set; }

    public required string Body { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class SubscriberConfiguration : IEntityTypeConfiguration<Subscriber>
{
    public void Configure(EntityTypeBuilder<Subscriber> subscriber)
    {
        subscriber.ToTable("subscribers");
        subscriber.HasKey(s => s.Id);
        subscriber.Property(s => s.Name).HasMaxLength(200);
        subscriber.Property(s => s.Email).HasMaxLength(320);
        subscriber.HasIndex(s => s.Email).IsUnique();
    }
}

internal sealed class ConsentRecordConfiguration : IEntityTypeConfiguration<ConsentRecord>
{
    public void Configure(EntityTypeBuilder<ConsentRecord> record)
    {
        record.ToTable("consent_records");
        record.HasKey(r => r.Id);
        record.Property(r => r.Purpose).HasMaxLength(40);
        record.Property(r => r.Action).HasMaxLength(10);
        record.Property(r => r.PolicyVersion).HasMaxLength(40);
        record.Property(r => r.Channel).HasMaxLength(40);
        record.HasIndex(r => new { r.SubscriberId, r.Purpose, r.RecordedAt });
        record.HasOne<Subscriber>().WithMany().HasForeignKey(r => r.SubscriberId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class DataSubjectRequestConfiguration : IEntityTypeConfiguration<DataSubjectRequest>
{
    public void Configure(EntityTypeBuilder<DataSubjectRequest> request)
    {
        request.ToTable("lgpd_requests");
        request.HasKey(r => r.Id);
        request.Property(r => r.Type).HasMaxLength(40);
        request.Property(r => r.State).HasMaxLength(40);
        request.Property(r => r.Email).HasMaxLength(320);
        request.Property(r => r.TokenHash).HasMaxLength(64);
        request.HasIndex(r => new { r.State, r.DueAt });
    }
}

internal sealed class OutboxEmailConfiguration : IEntityTypeConfiguration<OutboxEmail>
{
    public void Configure(EntityTypeBuilder<OutboxEmail> email)
    {
        email.ToTable("outbox_emails");
        email.HasKey(e => e.Id);
        email.Property(e => e.ToAddress).HasMaxLength(320);
        email.Property(e => e.Subject).HasMaxLength(200);
        email.HasIndex(e => e.CreatedAt);
    }
}
