using System.Text.Json;
using HealthcareCms.Policy.Policies;
using HealthcareCms.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HealthcareCms.Policy.Decisions;

public static class DecisionsApi
{
    public static IHostApplicationBuilder AddPolicyDecisions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PolicyOptions>().BindConfiguration(PolicyOptions.Section);
        builder.Services.AddSingleton<PolicyStore>();
        builder.Services.AddHostedService<PolicyFileWatcher>();
        builder.Services.AddHostedService<DecisionWarmup>();
        builder.Services.AddSingleton<PolicyMetrics>();
        builder.Services.AddSingleton<PolicyEngine>();
        builder.Services.AddInternalIdentityKey();
        builder.Services.AddHealthChecks().AddCheck<PolicyLoadedHealthCheck>("policy", tags: [HealthTags.Ready]);
        return builder;
    }

    public static IEndpointRouteBuilder MapDecisionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/decisions").WithTags("Decisions");

        group.MapPost("", Decide)
            .WithName("Decide")
            .WithSummary("Decide one access request (allow or deny) from the subject, resource, action and context.");

        group.MapPost("/simulate", Simulate)
            .WithName("SimulateDecision")
            .WithSummary("Admins: evaluate a request against the active or a candidate policy and explain the score; not counted as a decision.")
            .RequireGatewayAssertion(GatewayRoles.Admin);

        return app;
    }

    public static Results<Ok<DecisionResponse>, ValidationProblem> Decide(DecisionRequest request, PolicyEngine engine)
    {
        var errors = DecisionRequestValidator.Validate(request);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return TypedResults.Ok(engine.Decide(request));
    }

    public static Results<Ok<SimulationResponse>, ValidationProblem> Simulate(SimulationRequest simulation, PolicyEngine engine)
    {
        if (simulation.Request is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["request"] = ["The request to simulate is required."] });
        }

        var errors = DecisionRequestValidator.Validate(simulation.Request);
        CompiledPolicy? candidate = null;
        if (simulation.Policy is { ValueKind: not JsonValueKind.Null } policy)
        {
            var compilation = PolicyCompiler.Compile(policy.GetRawText());
            if (compilation.Policy is null)
            {
                errors["policy"] = [.. compilation.Errors];
            }

            candidate = compilation.Policy;
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var (response, evaluation) = engine.Simulate(simulation.Request, candidate);
        var weights = (candidate ?? engine.ActivePolicy).Weights;
        var factors = evaluation.Factors;
        var points = new Dictionary<string, double>
        {
            ["authentication"] = weights.Authentication * factors.Authentication,
            ["sessionAge"] = weights.SessionAge * factors.SessionAge,
            ["device"] = weights.Device * factors.Device,
            ["network"] = weights.Network * factors.Network,
            ["timeOfDay"] = weights.TimeOfDay * factors.TimeOfDay,
            ["failedLogins"] = weights.FailedLogins * factors.FailedLogins,
            ["requestRate"] = weights.RequestRate * factors.RequestRate,
        };
        return TypedResults.Ok(new SimulationResponse(response, evaluation.Threshold, points,
            JsonNamingPolicy.SnakeCaseLower.ConvertName(evaluation.Network.ToString()),
            JsonNamingPolicy.SnakeCaseLower.ConvertName(evaluation.Device.ToString())));
    }
}
