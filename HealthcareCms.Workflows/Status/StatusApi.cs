using System.Diagnostics;
using HealthcareCms.ServiceDefaults.Correlation;
using Npgsql;

namespace HealthcareCms.Workflows.Status;

public sealed record CorrelationEcho(string? RequestId, string? HealthcareTraceId, string? TraceId);

public sealed record WorkerStatus(string Service, string Status, DateTimeOffset StartedAt, string Database, CorrelationEcho Correlation);

/// <summary>When this worker process started: its status reports it.</summary>
public sealed class WorkerClock(TimeProvider time)
{
    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();
}

public static class StatusApi
{
    public static IHostApplicationBuilder AddWorkerStatus(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WorkerClock>();
        return builder;
    }

    public static IEndpointRouteBuilder MapStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/status", GetStatus)
            .WithName("GetWorkerStatus")
            .WithSummary("The workflow worker's status: up since when, and whether its database answers.")
            .WithTags("Status");
        return app;
    }

    public static async Task<WorkerStatus> GetStatus(NpgsqlDataSource dataSource, WorkerClock clock, CancellationToken cancellationToken)
    {
        var database = "ok";
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            database = "unavailable";
        }

        return new WorkerStatus("workflows", database == "ok" ? "ok" : "degraded", clock.StartedAt, database,
            new CorrelationEcho(RequestCorrelation.Current?.RequestId, RequestCorrelation.Current?.HealthcareTraceId,
                Activity.Current?.TraceId.ToHexString()));
    }
}
