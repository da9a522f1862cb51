using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace HealthcareCms.ServiceDefaults.Management;

/// <summary>
/// Health and metrics are served on a separate management port that Prometheus and the Kubernetes
/// probes reach directly, and that no public endpoint, ingress or gateway route exposes. They carry no
/// credentials: they are protected by not being exposed. Requests for them on any other port get 404,
/// and the management port serves nothing else.
/// </summary>
public static class ManagementEndpoint
{
    public const string HealthPath = "/health";
    public const string AlivePath = "/alive";
    public const string MetricsPath = "/metrics";

    /// <summary>Configuration key of the management port (env <c>MANAGEMENT_HTTP_PORT</c> also works).</summary>
    public const string PortKey = "Management:Port";
    public const string PortEnvironmentVariable = "MANAGEMENT_HTTP_PORT";

    public static bool IsManagementPath(PathString path) =>
        path.StartsWithSegments(HealthPath) || path.StartsWithSegments(AlivePath) || path.StartsWithSegments(MetricsPath);

    /// <summary>
    /// The management port, or null when none is configured. Outside Development a port is required:
    /// without one, health and metrics would share the public listener.
    /// </summary>
    public static int? ResolvePort(IConfiguration configuration, IHostEnvironment environment)
    {
        var raw = configuration[PortKey] ?? configuration[PortEnvironmentVariable];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return environment.IsDevelopment()
                ? null
                : throw new InvalidOperationException(
                    $"Set {PortKey} (or {PortEnvironmentVariable}): outside Development health and metrics are served only on a separate management port.");
        }

        return int.TryParse(raw, out var port) && port is > 0 and < 65536
            ? port
            : throw new InvalidOperationException($"{PortKey} must be a TCP port number, not '{raw}'.");
    }
}

internal sealed class ManagementPortMiddleware(RequestDelegate next, int managementPort)
{
    public Task InvokeAsync(HttpContext context)
    {
        var onManagementPort = context.Connection.LocalPort == managementPort;
        if (onManagementPort != ManagementEndpoint.IsManagementPath(context.Request.Path))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        return next(context);
    }
}
