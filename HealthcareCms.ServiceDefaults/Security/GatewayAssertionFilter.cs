using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace HealthcareCms.ServiceDefaults.Security;

/// <summary>The key the gateway signs identity assertions with (AppHost parameter <c>internal-signing-key</c>).</summary>
public sealed class InternalIdentityKey(byte[] key)
{
    public ReadOnlySpan<byte> Bytes => key;
}

/// <summary>Roles an internal endpoint admits: the CMS roles the gateway asserts, and <see cref="Service"/>, the
/// Api's own identity for its dependency checks (<c>/api/status</c>).</summary>
public static class GatewayRoles
{
    public const string Admin = "admin";
    public const string Editor = "editor";
    public const string Service = "service";
}

/// <summary>
/// Guards an internal service's endpoint: the caller's identity comes only from the gateway's signed
/// assertion (<see cref="IdentityAssertion"/>), never from anything else a caller sends. Missing, malformed,
/// forged or expired → 401; a valid assertion for a role the endpoint does not admit → 403. Both as
/// ProblemDetails, and logged with the failure code and the role only.
/// </summary>
public sealed partial class GatewayAssertionFilter(
    IReadOnlySet<string> roles, InternalIdentityKey key, TimeProvider time, ILogger<GatewayAssertionFilter> logger) : IEndpointFilter
{
    /// <summary>The verified caller, for endpoints that need it (<c>HttpContext.Items</c>).</summary>
    public const string IdentityItem = "healthcare.gateway_identity";

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

        if (!roles.Contains(identity.Role))
        {
            LogForbidden(identity.Role);
            return TypedResults.Problem(
                title: "Not permitted for this role.",
                detail: $"This endpoint is for the role(s): {string.Join(", ", roles.Order(StringComparer.Ordinal))}.",
                statusCode: StatusCodes.Status403Forbidden);
        }

        context.HttpContext.Items[IdentityItem] = identity;
        return await next(context);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Identity assertion rejected: {Failure}")]
    private partial void LogRejected(string failure);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Endpoint refused to role {Role}")]
    private partial void LogForbidden(string role);
}

public static class GatewayAssertionExtensions
{
    /// <summary>Registers the signing key from configuration (<see cref="IdentityAssertion.SigningKeyConfigurationKey"/>).
    /// A missing or short key stops the service when its host starts; a one-shot run that serves nothing (the
    /// worker's <c>--migrate-only</c> Job) does not need it.</summary>
    public static IServiceCollection AddInternalIdentityKey(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new InternalIdentityKey(IdentityAssertion.ReadKey(sp.GetRequiredService<IConfiguration>())));
        services.ResolveAtStart<InternalIdentityKey>();
        return services;
    }

    /// <summary>Admits only requests carrying a valid gateway assertion for one of <paramref name="roles"/>.</summary>
    public static RouteHandlerBuilder RequireGatewayAssertion(this RouteHandlerBuilder builder, params string[] roles)
    {
        ArgumentOutOfRangeException.ThrowIfZero(roles.Length);
        var admitted = roles.ToHashSet(StringComparer.Ordinal);
        return builder.AddEndpointFilterFactory((factory, next) =>
            {
                var services = factory.ApplicationServices;
                var filter = new GatewayAssertionFilter(admitted, services.GetRequiredService<InternalIdentityKey>(),
                    services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<GatewayAssertionFilter>>());
                return context => filter.InvokeAsync(context, next);
            })
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
    }
}
