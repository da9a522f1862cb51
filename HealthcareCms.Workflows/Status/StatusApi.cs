using System.Diagnostics;
using HealthcareCms.ServiceDefaults.Correlation;
using HealthcareCms.ServiceDefaults.Security;
using HealthcareCms.Workflows.Queue;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace HealthcareCms.Workflows.Status;

public sealed record CorrelationEcho(string? RequestId, string? HealthcareTraceId, string? TraceId);

/// <summary>Queue figures for operators; <c>null</c> in <see cref="WorkerStatus.Queue"/> while the database is unavailable.</summary>
public sealed record QueueFigures(long Pending, long Running, long DeadLetters, double OldestPendingAgeSeconds);

public sealed record WorkerStatus(
    string Service, string Status, DateTimeOffset StartedAt, string Database, QueueFigures? Queue, CorrelationEcho Correlation);

/// <summary>A dead-lettered job: ids, attempts and the error class — never post content.</summary>
public sealed record DeadLetterItem(Guid JobId, Guid PostId, int PostVersion, int Attempts, string ErrorClass, DateTimeOffset? FailedAt);

public sealed record DeadLetterList(IReadOnlyList<DeadLetterItem> Items, int Limit);

/// <summary>When this worker process started: its status reports it.</summary>
public sealed class WorkerClock(TimeProvider time)
{
    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();
}

/// <summary>
/// The operators' API (reached through the Api gateway at <c>/api/workflows/**</c>, editors and admins):
/// the worker's status with the queue figures, and the dead letters. Both admit only callers with the
/// gateway's signed identity assertion: editors and admins, and the Api's own service identity for the
/// status (its <c>/api/status</c> check). Anything else on the internal network gets 401.
/// </summary>
public static class StatusApi
{
    public const int MaxDeadLetters = 500;

    public static IHostApplicationBuilder AddWorkerStatus(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<WorkerClock>();
        builder.Services.AddInternalIdentityKey();
        return builder;
    }

    public static IEndpointRouteBuilder MapStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/status", GetStatus)
            .WithName("GetWorkerStatus")
            .WithSummary("The workflow worker's status: up since when, whether its database answers, and the queue figures.")
            .WithTags("Status")
            .RequireGatewayAssertion(GatewayRoles.Editor, GatewayRoles.Admin, GatewayRoles.Service);
        app.MapGet("/jobs/dead-letters", GetDeadLetters)
            .WithName("GetDeadLetters")
            .WithSummary("Jobs that exhausted their attempts: ids, post ids, attempts and error class (no post content).")
            .WithTags("Status")
            .ProducesValidationProblem()
            .RequireGatewayAssertion(GatewayRoles.Editor, GatewayRoles.Admin);
        return app;
    }

    public static async Task<WorkerStatus> GetStatus(JobQueue queue, SchemaState schema, WorkerClock clock, CancellationToken cancellationToken)
    {
        var database = "ok";
        QueueFigures? figures = null;
        try
        {
            if (schema.IsReady)
            {
                var health = await queue.GetHealthAsync(cancellationToken);
                figures = new QueueFigures(health.Pending, health.Running, health.DeadLetters, health.OldestPendingAgeSeconds);
            }
            else
            {
                database = "migrating";
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            database = "unavailable";
        }

        return new WorkerStatus("workflows", database == "ok" ? "ok" : "degraded", clock.StartedAt, database, figures,
            new CorrelationEcho(RequestCorrelation.Current?.RequestId, RequestCorrelation.Current?.HealthcareTraceId,
                Activity.Current?.TraceId.ToHexString()));
    }

    public static async Task<Results<Ok<DeadLetterList>, ValidationProblem>> GetDeadLetters(
        JobQueue queue, CancellationToken cancellationToken, int limit = 100)
    {
        if (limit is < 1 or > MaxDeadLetters)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["limit"] = [$"limit must be between 1 and {MaxDeadLetters}."],
            });
        }

        var items = await queue.GetDeadLettersAsync(limit, cancellationToken);
        return TypedResults.Ok(new DeadLetterList(
            items.Select(d => new DeadLetterItem(d.JobId, d.PostId, d.PostVersion, d.Attempts, d.ErrorClass, d.FailedAt)).ToList(), limit));
    }
}
