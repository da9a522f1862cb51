using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace HealthcareCms.Api.Documentation;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>, every environment) declares the bearer scheme on the
/// operations that need a token; in Development a browsable reference (Scalar, served from the package
/// itself: no CDN, no web fonts, no telemetry) lives at <c>/scalar</c>.
/// </summary>
public static class ApiReference
{
    public const string Path = "/scalar";
    private const string BearerScheme = "Bearer";

    public static IHostApplicationBuilder AddApiDocumentation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options => options
            .AddDocumentTransformer(DeclareBearerScheme)
            .AddOperationTransformer(RequireBearerWhereAuthorized));
        return builder;
    }

    public static WebApplication MapApiDocumentation(this WebApplication app)
    {
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference(Path, options => options
                .WithTitle("Healthcare CMS API")
                .DisableDefaultFonts()
                .DisableTelemetry());
        }

        return app;
    }

    private static Task DeclareBearerScheme(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "Access token from POST /api/auth/login (15 min at most; rotate with POST /api/auth/refresh).",
        };
        return Task.CompletedTask;
    }

    /// <summary>Only operations with an authorization requirement say so (login, refresh and public reads do not).</summary>
    private static Task RequireBearerWhereAuthorized(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Any())
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] }];
        }

        return Task.CompletedTask;
    }
}
