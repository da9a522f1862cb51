using Microsoft.EntityFrameworkCore;

namespace HealthcareCms.Api.Data;

public static class DatabaseExtensions
{
    public const string ConnectionName = "cmsdb";

    public static IHostApplicationBuilder AddCmsDatabase(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDbContext<CmsDbContext>(ConnectionName, configureDbContextOptions: options =>
            options.UseSnakeCaseNamingConvention());

        builder.Services.AddSingleton<DatabaseMigrationState>();
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseMigrationHealthCheck>("database-migrations", tags: [HealthTags.Ready]);

        if (builder.Configuration.GetValue("Database:MigrateOnStartup", true))
        {
            builder.Services.AddHostedService<DatabaseMigrator>();
        }
        else
        {
            builder.Services.AddHostedService<DatabaseMigrationWaiter>();
        }

        return builder;
    }
}
