using HealthcareCms.Api.Identity;
using HealthcareCms.Api.Live;
using HealthcareCms.ServiceDefaults;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace HealthcareCms.Api.Content;

public static class ContentServices
{
    /// <summary>Posts, their workflow hand-off and outcome applier, the live hub. (Identity registers the audit trail.)</summary>
    public static IHostApplicationBuilder AddContent(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<WorkflowHandOff>();
        builder.Services.AddHostedService<WorkflowOutcomeApplier>();
        builder.Services.AddSignalR();

        // Browsers cannot set headers on a WebSocket: for the hub only, the token may come as ?access_token=.
        builder.Services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
        {
            var events = options.Events ??= new JwtBearerEvents();
            var inner = events.OnMessageReceived;
            events.OnMessageReceived = async context =>
            {
                await inner(context);
                if (context.Token is null && context.HttpContext.Request.Path.StartsWithSegments(LiveHub.Path)
                    && context.Request.Query["access_token"] is { Count: 1 } token)
                {
                    context.Token = token;
                }
            };
        });
        builder.Services.AddSingleton<LiveMetrics>().ResolveAtStart<LiveMetrics>();
        builder.Services.AddSingleton<LiveNotifier>();
        return builder;
    }

    public static IEndpointRouteBuilder MapLiveHub(this IEndpointRouteBuilder app)
    {
        // WebSockets only: each join is decided on the connection's request (IHttpContextAccessor), which the
        // long-polling and server-sent-events transports do not carry into hub calls.
        app.MapHub<LiveHub>(LiveHub.Path, options => options.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets)
            .RequireAuthorization(Policies.Authenticated);
        return app;
    }
}
