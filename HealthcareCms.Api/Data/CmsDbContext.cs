using HealthcareCms.Api.Content;
using Microsoft.EntityFrameworkCore;

namespace HealthcareCms.Api.Data;

/// <summary>The Api's database: it owns every table in the <c>cms</c> schema.</summary>
public sealed class CmsDbContext(DbContextOptions<CmsDbContext> options) : DbContext(options)
{
    public const string Schema = "cms";

    public DbSet<Post> Posts => Set<Post>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(CmsDbContext).Assembly);
    }
}
