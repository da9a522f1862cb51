using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HealthcareCms.Api.Audit;

/// <summary>
/// One row of <c>cms.audit_log</c>, modelled on FHIR AuditEvent: <c>recorded</c> (when), <c>agent</c>
/// (who: user id, role, network address), <c>entity</c> (what: resource type and id), <c>action</c> and its
/// FHIR code, <c>outcome</c>, <c>source</c> (the observer). Append-only in the database (a trigger rejects
/// UPDATE, DELETE and TRUNCATE) and chained: <see cref="Hash"/> covers the canonical form of the row and
/// the previous row's hash.
/// </summary>
public sealed class AuditRecord
{
    /// <summary>Gapless position in the chain (1, 2, ...).</summary>
    public long Id { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    public required string ResourceType { get; set; }

    public string? ResourceId { get; set; }

    public required string Action { get; set; }

    /// <summary>FHIR AuditEvent.action: C, R, U, D or E.</summary>
    public required string FhirAction { get; set; }

    public required string Outcome { get; set; }

    public Guid? UserId { get; set; }

    public string? UserRole { get; set; }

    public string? SourceIp { get; set; }

    public string? RequestId { get; set; }

    public string? DecisionId { get; set; }

    /// <summary>FHIR AuditEvent.source.observer: the service that recorded the event.</summary>
    public required string Observer { get; set; }

    public required string PreviousHash { get; set; }

    public required string Hash { get; set; }
}

/// <summary>The single row that serializes appends: locked FOR UPDATE by every append.</summary>
public sealed class AuditChainHead
{
    public const int SingletonId = 1;

    public int Id { get; set; } = SingletonId;

    public long LastSequence { get; set; }

    public required string LastHash { get; set; }
}

internal sealed class AuditRecordConfiguration : IEntityTypeConfiguration<AuditRecord>
{
    public void Configure(EntityTypeBuilder<AuditRecord> record)
    {
        record.ToTable("audit_log");
        record.HasKey(r => r.Id);
        record.Property(r => r.Id).ValueGeneratedNever();
        record.Property(r => r.ResourceType).HasMaxLength(40);
        record.Property(r => r.ResourceId).HasMaxLength(100);
        record.Property(r => r.Action).HasMaxLength(40);
        record.Property(r => r.FhirAction).HasMaxLength(1);
        record.Property(r => r.Outcome).HasMaxLength(20);
        record.Property(r => r.UserRole).HasMaxLength(40);
        record.Property(r => r.SourceIp).HasMaxLength(64);
        record.Property(r => r.RequestId).HasMaxLength(200);
        record.Property(r => r.DecisionId).HasMaxLength(128);
        record.Property(r => r.Observer).HasMaxLength(40);
        record.Property(r => r.PreviousHash).HasMaxLength(64);
        record.Property(r => r.Hash).HasMaxLength(64);
        record.HasIndex(r => r.OccurredAt);
        record.HasIndex(r => new { r.ResourceType, r.ResourceId });
        record.HasIndex(r => r.UserId);
    }
}

internal sealed class AuditChainHeadConfiguration : IEntityTypeConfiguration<AuditChainHead>
{
    public void Configure(EntityTypeBuilder<AuditChainHead> head)
    {
        head.ToTable("audit_chain_head", t => t.HasCheckConstraint("ck_audit_chain_head_singleton", "id = 1"));
        head.HasKey(h => h.Id);
        head.Property(h => h.Id).ValueGeneratedNever();
        head.Property(h => h.LastHash).HasMaxLength(64);
        head.HasData(new AuditChainHead { LastSequence = 0, LastHash = AuditChain.GenesisHash });
    }
}
