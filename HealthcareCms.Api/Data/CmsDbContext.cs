using HealthcareCms.Api.Audit;
using HealthcareCms.Api.Content;
using HealthcareCms.Api.Identity;
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

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(CmsDbContext).Assembly);
    }
}
