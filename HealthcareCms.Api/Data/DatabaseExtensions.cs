using Microsoft.EntityFrameworkCore;

namespace HealthcareCms.Api.Data;

public static class DatabaseExtensions
{
    public const string ConnectionName = "cmsdb";

    public static IHostApplicationBuilder AddCmsDatabase(this IHostApplicationBuilder builder)
    {
        // No retrying execution strategy: handlers use explicit transactions (the audit record commits with the
        // change it audits); a failure surfaces as 503 and nothing is acknowledged.
        builder.AddNpgsqlDbContext<CmsDbContext>(ConnectionName,
            configureSettings: settings =>
            {
                settings.DisableRetry = true;
                settings.ConnectionString = WithConnectTimeout(settings.ConnectionString);
            },
            configureDbContextOptions: options => options.UseSnakeCaseNamingConvention());

        builder.Services.AddSingleton<RepoMetrics>();
        builder.Services.AddSingleton<RepoCommandInterceptor>();
        builder.Services.AddSingleton<RepoConnectionInterceptor>();
        builder.Services.ConfigureDbContext<CmsDbContext>((services, options) => options.AddInterceptors(
            services.GetRequiredService<RepoCommandInterceptor>(), services.GetRequiredService<RepoConnectionInterceptor>()));
        builder.Services.AddExceptionHandler<DatabaseUnavailableHandler>();

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

    /// <summary>Seconds a request waits to open a connection when the connection string does not say: while
    /// PostgreSQL is down a request fails (503) after this, not after Npgsql's default 15 s.</summary>
    public const int DefaultConnectTimeoutSeconds = 5;

    internal static string? WithConnectTimeout(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString)
            || new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.ContainsKey("Timeout"))
        {
            return connectionString;
        }

        return new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Timeout = DefaultConnectTimeoutSeconds }.ConnectionString;
    }
}
