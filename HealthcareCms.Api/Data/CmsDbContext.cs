using HealthcareCms.Api.Audit;
using HealthcareCms.Api.Content;
using HealthcareCms.Api.Identity;
using HealthcareCms.Api.Lgpd;
using HealthcareCms.Api.Phi;
using Microsoft.EntityFrameworkCore;

namespace HealthcareCms.Api.Data;

/// <summary>The Api's database: it owns every table in the <c>cms</c> schema.</summary>
public sealed class CmsDbContext(DbContextOptions<CmsDbContext> options) : DbContext(options)
{
    public const string Schema = "cms";

    public DbSet<Post> Posts => Set<Post>();

    public DbSet<User> Users => Set<User>();

    public DbSet<Session> Sessions => Set<Session>();

    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();

    public DbSet<LoginThrottle> LoginThrottles => Set<LoginThrottle>();

    public DbSet<AuditRecord> AuditLog => Set<AuditRecord>();

    public DbSet<PostRevision> PostRevisions => Set<PostRevision>();

    public DbSet<PatientConsent> PatientConsents => Set<PatientConsent>();

    public DbSet<Subscriber> Subscribers => Set<Subscriber>();

    public DbSet<ConsentRecord> ConsentRecords => Set<ConsentRecord>();

    public DbSet<DataSubjectRequest> DataSubjectRequests => Set<DataSubjectRequest>();

    public DbSet<OutboxEmail> OutboxEmails => Set<OutboxEmail>();

    public DbSet<AuditChainHead> AuditChainHeads => Set<AuditChainHead>();

    /// <summary>The worker's queue (read-only here; not migrated by the Api).</summary>
    public DbSet<WorkflowJob> WorkflowJobs => Set<WorkflowJob>();

    public DbSet<WorkflowStageResult> WorkflowStageResults => Set<WorkflowStageResult>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(CmsDbContext).Assembly);
    }
}
