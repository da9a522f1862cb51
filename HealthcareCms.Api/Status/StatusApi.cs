using System.Threading.RateLimiting;
using HealthcareCms.Api.Data;
using HealthcareCms.Api.Gateway;
using HealthcareCms.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;

namespace HealthcareCms.Api.Status;

public sealed record CorrelationEcho(string? RequestId, string? HealthcareTraceId, string? TraceId);

public sealed record DependencyStatus(string Name, string Status, CorrelationEcho? Correlation = null);

public sealed record SystemStatus(string Status, IReadOnlyList<DependencyStatus> Dependencies);

internal sealed record RemoteStatus(string? Status, CorrelationEcho? Correlation);

/// <summary>Per client address: <c>GET /api/status</c> calls served per window (<c>Status:RateLimit</c>).</summary>
public sealed class StatusRateLimitSettings
{
    public int PermitLimit { get; set; } = 30;

    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// <c>GET /api/status</c>: whether the Api's dependencies answer. The downstream calls carry this
/// request's correlation headers, and each dependency reports the ids it received (so answers are not
/// cached). Anonymous and fanning out to two services, it is rate limited per client address
/// (<see cref="StatusRateLimitSettings"/>; over the limit → 429 ProblemDetails with <c>Retry-After</c>).
/// </summary>
public static class StatusApi
{
    public const string PolicyClient = "policy";
    public const string WorkflowsClient = "workflows";
    public const string RateLimitPolicy = "status";

    public static IHostApplicationBuilder AddStatusServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHttpClient(PolicyClient, c => c.BaseAddress = new Uri("http://policy"));
        builder.Services.AddHttpClient(WorkflowsClient, c => c.BaseAddress = new Uri("http://workflows"));
        var limit = builder.Configuration.GetSection("Status:RateLimit").Get<StatusRateLimitSettings>() ?? new StatusRateLimitSettings();
        if (limit.PermitLimit < 1 || limit.Window <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Status:RateLimit needs PermitLimit ≥ 1 and a positive Window.");
        }

        builder.Services.Configure<RateLimiterOptions>(options => options.AddPolicy(RateLimitPolicy, context =>
            RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = limit.PermitLimit, Window = limit.Window, QueueLimit = 0 })));
        return builder;
    }

    public static IEndpointRouteBuilder MapStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/status", GetStatus)
            .RequireRateLimiting(RateLimitPolicy)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("GetSystemStatus")
            .WithSummary("Reachability of the database, the policy service and the workflow worker.")
            .WithTags("Status");
        return app;
    }

    public static async Task<Ok<SystemStatus>> GetStatus(
        CmsDbContext db, IHttpClientFactory clients, GatewayIdentitySigner signer, CancellationToken cancellationToken)
    {
        var database = CheckDatabaseAsync(db, cancellationToken);
        var policy = CheckRemoteAsync(clients, PolicyClient, "/v1/status", assertion: null, cancellationToken);
        // The worker's status carries operational figures and admits only asserted callers: the Api signs as itself.
        var workflows = CheckRemoteAsync(clients, WorkflowsClient, "/status", signer.SignService(), cancellationToken);
        DependencyStatus[] dependencies = [await database, await policy, await workflows];

        var overall = dependencies.All(d => d.Status == "ok") ? "ok" : "degraded";
        return TypedResults.Ok(new SystemStatus(overall, dependencies));
    }

    private static async Task<DependencyStatus> CheckDatabaseAsync(CmsDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            return new DependencyStatus("database", await db.Database.CanConnectAsync(cancellationToken) ? "ok" : "unavailable");
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return new DependencyStatus("database", "unavailable");
        }
    }

    private static async Task<DependencyStatus> CheckRemoteAsync(
        IHttpClientFactory clients, string name, string path, string? assertion, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (assertion is not null)
            {
                request.Headers.TryAddWithoutValidation(IdentityAssertion.HeaderName, assertion);
            }

            using var response = await clients.CreateClient(name).SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return new DependencyStatus(name, "degraded");
            }

            var status = await response.Content.ReadFromJsonAsync<RemoteStatus>(timeout.Token);
            return new DependencyStatus(name, status?.Status == "ok" ? "ok" : "degraded", status?.Correlation);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException
            or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException)
        {
            return new DependencyStatus(name, "unavailable");
        }
    }
}
