using HealthcareCms.Api.Identity;
using HealthcareCms.Api.Live;

namespace HealthcareCms.Api.Content;

public static class ContentServices
{
    /// <summary>Posts, their workflow hand-off and outcome applier, the live hub. (Identity registers the audit trail.)</summary>
    public static IHostApplicationBuilder AddContent(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<WorkflowHandOff>();
        builder.Services.AddHostedService<WorkflowOutcomeApplier>();
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<LiveMetrics>();
        builder.Services.AddSingleton<LiveNotifier>();
        return builder;
    }

    public static IEndpointRouteBuilder MapLiveHub(this IEndpointRouteBuilder app)
    {
        app.MapHub<LiveHub>(LiveHub.Path).RequireAuthorization(Policies.Authenticated);
        return app;
    }
}
