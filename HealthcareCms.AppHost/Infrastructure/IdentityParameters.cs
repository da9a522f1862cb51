using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Hosting;

namespace HealthcareCms.AppHost.Infrastructure;

/// <summary>
/// The Api's identity secrets as Aspire parameters (generated on first run, persisted in user secrets,
/// visible in the dashboard's Parameters view): the JWT signing key, the first admin and, in Development,
/// the demo users' password. They reach the Api as environment variables; no password is a literal.
/// </summary>
public static class IdentityParameters
{
    public const string AdminEmail = "admin-email";
    public const string AdminPassword = "admin-password";
    public const string DemoPassword = "demo-password";
    public const string JwtSigningKey = "jwt-signing-key";

    public const string DefaultAdminEmail = "admin@healthcare-cms.local";

    public static IResourceBuilder<ProjectResource> WithIdentityParameters(this IResourceBuilder<ProjectResource> api)
    {
        var builder = api.ApplicationBuilder;
        var adminEmail = builder.AddParameter(AdminEmail, DefaultAdminEmail, publishValueAsDefault: false);
        var adminPassword = builder.AddParameter(
            AdminPassword, new GenerateParameterDefault { MinLength = 24 }, secret: true, persist: true);
        var signingKey = builder.AddParameter(
            JwtSigningKey, new GenerateParameterDefault { MinLength = 64 }, secret: true, persist: true);

        api.WithEnvironment("Identity__Jwt__SigningKey", signingKey)
            .WithEnvironment("Identity__Seed__AdminEmail", adminEmail)
            .WithEnvironment("Identity__Seed__AdminPassword", adminPassword);

        if (builder.Environment.IsDevelopment())
        {
            var demoPassword = builder.AddParameter(
                DemoPassword, new GenerateParameterDefault { MinLength = 20 }, secret: true, persist: true);
            api.WithEnvironment("Identity__Seed__DemoPassword", demoPassword);
        }

        return api;
    }
}
