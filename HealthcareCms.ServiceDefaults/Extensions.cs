using System.Diagnostics;
using HealthcareCms.ServiceDefaults.Correlation;
using HealthcareCms.ServiceDefaults.Management;
using HealthcareCms.ServiceDefaults.Problems;
using HealthcareCms.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Cross-cutting defaults every Healthcare CMS service shares: OpenTelemetry (OTLP to the Aspire
/// dashboard, Prometheus at /metrics), the telemetry guard, health checks, request correlation, a
/// separate management port, service discovery and resilience on every HttpClient.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Meters exported by every service, besides the guarded custom ones.</summary>
    public static readonly string[] BuiltInMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting",
        "Microsoft.AspNetCore.Authentication",
        "Microsoft.AspNetCore.Authorization",
        "System.Net.Http",
        "System.Runtime",
        "Npgsql",
    ];

    /// <summary>Span attributes that could carry personal data (addresses, paths with ids, agents).</summary>
    private static readonly string[] PersonalSpanAttributes =
        ["url.path", "url.query", "url.full", "client.address", "client.port", "network.peer.address", "network.peer.port", "user_agent.original"];

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();

        builder.Services.AddServiceDiscovery();
        builder.Services.AddTransient<CorrelationPropagationHandler>();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // The default HttpClient logging writes every request URI (paths hold ids) at Information; client
            // calls are traced and measured instead, with the path removed (RemovePersonalAttributes).
            http.RemoveAllLoggers();
            http.AddHttpMessageHandler<CorrelationPropagationHandler>();
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    /// <summary>
    /// Configuration switch (default true). When false no OpenTelemetry provider (metrics, traces, logs)
    /// is registered and <c>/metrics</c> is not mapped: the benchmark harness's telemetry-off baseline.
    /// </summary>
    public const string TelemetryEnabledKey = "Telemetry:Enabled";

    /// <summary>Configuration sections of the Aspire client integrations the services use.</summary>
    private static readonly string[] AspireIntegrationSections =
        ["Aspire:Npgsql", "Aspire:Npgsql:EntityFrameworkCore:PostgreSQL"];

    public static bool IsTelemetryEnabled(this IConfiguration configuration) =>
        configuration.GetValue(TelemetryEnabledKey, defaultValue: true);

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        if (!builder.Configuration.IsTelemetryEnabled())
        {
            // Aspire client integrations register their own OpenTelemetry instrumentation unless told not to.
            foreach (var section in AspireIntegrationSections)
            {
                builder.Configuration[$"{section}:DisableTracing"] = "true";
                builder.Configuration[$"{section}:DisableMetrics"] = "true";
            }

            return builder;
        }

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            // No scopes: ASP.NET Core's request scope carries RequestPath, and paths hold ids (users, consents).
            // Trace and span ids still come with every record from the current activity.
            logging.IncludeScopes = false;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter(BuiltInMeters)
                .AddMeter(MetricCatalog.Meters.Prefix + "*")
                .AddView(TagGuard.SelectView)
                .SetExemplarFilter(ExemplarFilterType.AlwaysOff)
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(MetricCatalog.Meters.Prefix + "*")
                .AddAspNetCoreInstrumentation(options =>
                {
                    options.Filter = context => !ManagementEndpoint.IsManagementPath(context.Request.Path);
                    options.EnrichWithHttpResponse = (activity, _) => RemovePersonalAttributes(activity);
                })
                .AddHttpClientInstrumentation(options =>
                {
                    options.EnrichWithHttpRequestMessage = (activity, _) => RemovePersonalAttributes(activity);
                }));

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [HealthTags.Live]);

        return builder;
    }

    /// <summary>
    /// Makes Kestrel also listen on the management port (when one is configured), next to the URLs the
    /// host was given (<c>ASPNETCORE_URLS</c> / <c>ASPNETCORE_HTTP_PORTS</c>).
    /// </summary>
    public static WebApplicationBuilder AddManagementEndpoint(this WebApplicationBuilder builder)
    {
        var port = ManagementEndpoint.ResolvePort(builder.Configuration, builder.Environment);
        if (port is null)
        {
            return builder;
        }

        var urls = builder.Configuration[WebHostDefaults.ServerUrlsKey];
        if (string.IsNullOrWhiteSpace(urls))
        {
            var httpPorts = builder.Configuration[WebHostDefaults.HttpPortsKey];
            urls = string.IsNullOrWhiteSpace(httpPorts)
                ? "http://localhost:5000"
                : string.Join(';', httpPorts.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => $"http://*:{p}"));
        }

        var host = builder.Environment.IsDevelopment() ? "localhost" : "*";
        var managementUrl = $"http://{host}:{port}";
        if (!urls.Split(';').Any(u => u.TrimEnd('/').EndsWith($":{port}", StringComparison.Ordinal)))
        {
            builder.WebHost.UseUrls($"{urls};{managementUrl}");
        }

        return builder;
    }

    /// <summary>
    /// The middleware every service runs first (correlation, management-port isolation, problem
    /// details for exceptions and bare status codes) and the
    /// management endpoints: <c>/health</c> (readiness: every check), <c>/alive</c> (liveness) and
    /// <c>/metrics</c> (Prometheus exposition; not mapped when <see cref="TelemetryEnabledKey"/> is false).
    /// </summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        app.UseMiddleware<RequestCorrelationMiddleware>();

        var managementPort = ManagementEndpoint.ResolvePort(app.Configuration, app.Environment);
        if (managementPort is not null)
        {
            app.UseMiddleware<ManagementPortMiddleware>(managementPort.Value);
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(ManagementEndpoint.HealthPath, new HealthCheckOptions { ResponseWriter = HealthResponse.WriteAsync })
            .DisableHttpMetrics();
        app.MapHealthChecks(ManagementEndpoint.AlivePath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(HealthTags.Live),
            ResponseWriter = HealthResponse.WriteAsync,
        }).DisableHttpMetrics();
        if (app.Configuration.IsTelemetryEnabled())
        {
            app.MapPrometheusScrapingEndpoint(ManagementEndpoint.MetricsPath).DisableHttpMetrics();
        }

        return app;
    }

    private static void RemovePersonalAttributes(Activity activity)
    {
        foreach (var attribute in PersonalSpanAttributes)
        {
            activity.SetTag(attribute, null);
        }
    }
}

public static class HealthTags
{
    public const string Live = "live";
    public const string Ready = "ready";
}

internal static class HealthResponse
{
    /// <summary>Status per check, no exception text (it can name hosts or, worse, data).</summary>
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            durationSeconds = report.TotalDuration.TotalSeconds,
            checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString()),
        });
    }
}
