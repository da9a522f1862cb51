using HealthcareCms.ServiceDefaults.Security;

namespace HealthcareCms.Policy.Admin;

/// <summary>The key the gateway signs identity assertions with (AppHost parameter <c>internal-signing-key</c>).</summary>
public sealed class InternalIdentityKey(byte[] key)
{
    public ReadOnlySpan<byte> Bytes => key;
}

/// <summary>
/// Admin-only endpoints of the policy service: the caller's identity comes only from the gateway's signed
/// assertion (<see cref="IdentityAssertion"/>). Missing, forged or expired → 401; a valid assertion for
/// another role → 403. Both as ProblemDetails.
/// </summary>
public sealed partial class AdminAssertionFilter(InternalIdentityKey key, TimeProvider time, ILogger<AdminAssertionFilter> logger)
    : IEndpointFilter
{
    public const string AdminRole = "admin";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var header = context.HttpContext.Request.Headers[IdentityAssertion.HeaderName].ToString();
        if (!IdentityAssertion.TryVerify(key.Bytes, header, time.GetUtcNow(), out var identity, out var failure))
        {
            LogRejected(failure);
            return TypedResults.Problem(
                title: "A valid gateway identity assertion is required.",
                detail: $"The identity assertion is {failure.Replace('_', ' ')}.",
                statusCode: StatusCodes.Status401Unauthorized);
        }

        if (identity.Role != AdminRole)
        {
            LogForbidden(identity.Role);
            return TypedResults.Problem(
                title: "Administrators only.",
                detail: "This endpoint is for the admin role.",
                statusCode: StatusCodes.Status403Forbidden);
        }

        return await next(context);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Identity assertion rejected: {Failure}")]
    private partial void LogRejected(string failure);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Admin endpoint refused to role {Role}")]
    private partial void LogForbidden(string role);
}

public static class AdminEndpointExtensions
{
    public static TBuilder RequireAdminAssertion<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter<TBuilder, AdminAssertionFilter>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
}
