using HealthcareCms.Api.Audit;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace HealthcareCms.Api.Data;

/// <summary>
/// The database (or the audit trail, which lives in it) is unreachable: 503 ProblemDetails with
/// Retry-After, never a 500. Nothing was acknowledged: the request's transaction did not commit.
/// </summary>
internal sealed partial class DatabaseUnavailableHandler(IProblemDetailsService problemDetails, ILogger<DatabaseUnavailableHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var auditFailure = exception is AuditWriteException;
        if (!auditFailure && !IsUnavailable(exception))
        {
            return false;
        }

        LogUnavailable(logger, auditFailure ? "audit_trail" : "database", exception.GetType().Name);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "5";
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = auditFailure ? "The audit trail is unavailable." : "The database is unavailable.",
                Detail = auditFailure
                    ? "The operation was not performed because it could not be audited. Retry later."
                    : "The operation was not performed. Retry later.",
            },
        });
    }

    public static bool IsUnavailable(Exception? exception) => exception switch
    {
        null => false,
        PostgresException postgres => postgres.IsTransient || postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
            || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException or TimeoutException or System.Net.Sockets.SocketException => true,
        DbUpdateException or InvalidOperationException => IsUnavailable(exception.InnerException),
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request refused with 503: the {Dependency} is unavailable ({ErrorType})")]
    private static partial void LogUnavailable(ILogger logger, string dependency, string errorType);
}
