using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HealthcareCms.Api.Content;

public static class WorkflowJobStates
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string DeadLetter = "dead_letter";
}

/// <summary>
/// Read-only view of <c>workflow.jobs</c> (CONTRACTS §4). The worker owns and migrates the <c>workflow</c>
/// schema; these mappings are excluded from the Api's migrations. The Api's only write is the INSERT in
/// <see cref="WorkflowHandOff"/>.
/// </summary>
public sealed class WorkflowJob
{
    public Guid Id { get; set; }

    public Guid PostId { get; set; }

    public int PostVersion { get; set; }

    public required string State { get; set; }

    public string? Outcome { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }
}

/// <summary>Read-only view of <c>workflow.stage_results</c>.</summary>
public sealed class WorkflowStageResult
{
    public Guid JobId { get; set; }

    public required string Stage { get; set; }

    public required string Result { get; set; }

    /// <summary>JSON array of <c>{ruleId, message, start, length}</c>.</summary>
    public string? Findings { get; set; }
}

internal sealed class WorkflowJobConfiguration : IEntityTypeConfiguration<WorkflowJob>
{
    public void Configure(EntityTypeBuilder<WorkflowJob> job)
    {
        job.ToTable("jobs", "workflow", t => t.ExcludeFromMigrations());
        job.HasKey(j => j.Id);
    }
}

internal sealed class WorkflowStageResultConfiguration : IEntityTypeConfiguration<WorkflowStageResult>
{
    public void Configure(EntityTypeBuilder<WorkflowStageResult> result)
    {
        result.ToTable("stage_results", "workflow", t => t.ExcludeFromMigrations());
        result.HasKey(r => new { r.JobId, r.Stage });
        result.Property(r => r.Findings).HasColumnType("jsonb");
    }
}
