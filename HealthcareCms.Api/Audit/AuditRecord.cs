using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HealthcareCms.Api.Audit;

/// <summary>One row of <c>cms.audit_log</c>: an <see cref="AuditEntry"/> and when it happened. Insert only.</summary>
public sealed class AuditRecord
{
    public long Id { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    public required string ResourceType { get; set; }

    public string? ResourceId { get; set; }

    public required string Action { get; set; }

    public required string Outcome { get; set; }

    public Guid? UserId { get; set; }

    public string? UserRole { get; set; }

    public string? SourceIp { get; set; }

    public string? RequestId { get; set; }

    public string? DecisionId { get; set; }
}

internal sealed class AuditRecordConfiguration : IEntityTypeConfiguration<AuditRecord>
{
    public void Configure(EntityTypeBuilder<AuditRecord> record)
    {
        record.ToTable("audit_log");
        record.HasKey(r => r.Id);
        record.Property(r => r.Id).UseIdentityAlwaysColumn();
        record.Property(r => r.ResourceType).HasMaxLength(40);
        record.Property(r => r.ResourceId).HasMaxLength(100);
        record.Property(r => r.Action).HasMaxLength(40);
        record.Property(r => r.Outcome).HasMaxLength(20);
        record.Property(r => r.UserRole).HasMaxLength(20);
        record.Property(r => r.SourceIp).HasMaxLength(45);
        record.Property(r => r.RequestId).HasMaxLength(200);
        record.Property(r => r.DecisionId).HasMaxLength(100);
        record.HasIndex(r => r.OccurredAt);
        record.HasIndex(r => new { r.ResourceType, r.ResourceId });
    }
}
