using HealthcareCms.Api.Access;
using HealthcareCms.Api.Audit;
using HealthcareCms.Api.Identity;
using HealthcareCms.ServiceDefaults.Security;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;

namespace HealthcareCms.Api.Gateway;

/// <summary>
/// The public gateway (YARP) to the internal services: <c>/api/policy/**</c> → policy (admins) and
/// <c>/api/workflows/**</c> → the workflow worker's status API (editors and admins), prefixes removed,
/// destinations found by service discovery. A request is forwarded only after authentication, the
/// route's role check and an access decision; its identity headers are stripped and re-issued signed.
/// </summary>
public static class GatewayExtensions
{
    public const string ResourceTypeMetadata = "ResourceType";
    public const string RolesMetadata = "Roles";

    public static IReadOnlyList<RouteConfig> Routes { get; } =
    [
        Route("policy", "/api/policy", ResourceTypes.PolicyAdmin, Roles.Admin),
        Route("workflows", "/api/workflows", ResourceTypes.WorkflowStatus, Roles.Editor, Roles.Admin),
    ];

    public static IReadOnlyList<ClusterConfig> Clusters { get; } =
    [
        Cluster("policy", "http://policy"),
        Cluster("workflows", "http://workflows"),
    ];

    public static IHostApplicationBuilder AddGateway(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => new GatewayIdentitySigner(
            IdentityAssertion.ReadKey(builder.Configuration), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.Services.AddHostedService<YarpTelemetryListener>();
        builder.Services.AddReverseProxy()
            .LoadFromMemory(Routes, Clusters)
            .AddServiceDiscoveryDestinationResolver()
            .AddTransforms(transforms =>
            {
                var signer = transforms.Services.GetRequiredService<GatewayIdentitySigner>();
                transforms.AddRequestTransform(context =>
                {
                    GatewayIdentity.Apply(context.HttpContext.User, context.ProxyRequest, signer);
                    return ValueTask.CompletedTask;
                });
            });
        return builder;
    }

    public static IEndpointRouteBuilder MapGateway(this IEndpointRouteBuilder app)
    {
        app.MapReverseProxy(proxy => proxy.Use(EnforceAsync));
        return app;
    }

    /// <summary>Runs before a request is forwarded: strip identity headers, then authentication, role, decision.</summary>
    private static async Task EnforceAsync(HttpContext context, Func<Task> next)
    {
        GatewayIdentity.StripIncoming(context.Request);
        var metadata = context.GetReverseProxyFeature().Route.Config.Metadata;
        var resourceType = metadata?.GetValueOrDefault(ResourceTypeMetadata);
        var roles = metadata?.GetValueOrDefault(RolesMetadata)?.Split(',') ?? [];

        var action = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) ? "read" : "write";
        IResult? refusal;
        if (resourceType is null)
        {
            refusal = TypedResults.Problem(title: "This gateway route is not configured for access control.", statusCode: StatusCodes.Status404NotFound);
        }
        else if (context.User.Identity?.IsAuthenticated == true && !roles.Contains(context.User.FindFirst(CmsClaims.Role)?.Value))
        {
            // Refused before the policy is asked (no decision id), but audited like every refusal.
            await AccessEnforcement.AuditAsync(context, new AccessRequest(resourceType, action), AuditOutcomes.Denied, null, context.RequestAborted);
            refusal = TypedResults.Problem(title: "Your role may not use this route.", statusCode: StatusCodes.Status403Forbidden);
        }
        else
        {
            refusal = await AccessEnforcement.EnforceAsync(context, new AccessRequest(resourceType, action), context.RequestAborted);
        }

        if (refusal is not null)
        {
            await refusal.ExecuteAsync(context);
            return;
        }

        await next();
    }

    private static RouteConfig Route(string id, string prefix, string resourceType, params string[] roles) => new()
    {
        RouteId = id,
        ClusterId = id,
        Match = new RouteMatch { Path = prefix + "/{**catch-all}" },
        Metadata = new Dictionary<string, string>
        {
            [ResourceTypeMetadata] = resourceType,
            [RolesMetadata] = string.Join(',', roles),
        },
        Transforms = [new Dictionary<string, string> { ["PathRemovePrefix"] = prefix }],
    };

    private static ClusterConfig Cluster(string id, string address) => new()
    {
        ClusterId = id,
        Destinations = new Dictionary<string, DestinationConfig> { [id] = new() { Address = address } },
    };
}
