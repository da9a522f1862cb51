using Aspire.Hosting.ApplicationModel;

namespace HealthcareCms.AppHost.Infrastructure;

/// <summary>The CMS database as services reference it, whichever way PostgreSQL runs.</summary>
public sealed record CmsDatabase(
    IResourceBuilder<IResourceWithConnectionString> ConnectionString,
    IResourceBuilder<IResource> Server);

public static class DatabaseExtensions
{
    public const string DatabaseName = "cmsdb";
    public const int PostgresPort = 5433;

    public static CmsDatabase AddCmsDatabase(this IDistributedApplicationBuilder builder, HostingSettings hosting)
    {
        var password = builder.AddParameter(
            "pg-password", new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);

        if (hosting.Mode == HostingMode.Containers)
        {
            var server = builder.AddPostgres("postgres", password: password, port: PostgresPort);
            if (hosting.PostgresVolume is { } volume)
            {
                server.WithDataVolume(volume);
            }

            var database = server.AddDatabase(DatabaseName);
            return new CmsDatabase(database, database);
        }

        var local = builder.AddLocalPostgres("postgres", password, hosting, PostgresPort, [DatabaseName]);
        return new CmsDatabase(local.AddDatabase(DatabaseName), local);
    }
}
