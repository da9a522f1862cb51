using Microsoft.AspNetCore.Http.HttpResults;

namespace HealthcareCms.Policy.Decisions;

public static class DecisionsApi
{
    public static IHostApplicationBuilder AddPolicyDecisions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PolicyEngine>();
        return builder;
    }

    public static IEndpointRouteBuilder MapDecisionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/decisions").WithTags("Decisions");

        group.MapPost("", Decide)
            .WithName("Decide")
            .WithSummary("Decide one access request (allow or deny) from the subject, resource, action and context.");

        return app;
    }

    public static Results<Ok<DecisionResponse>, ValidationProblem> Decide(DecisionRequest request, PolicyEngine engine)
    {
        var errors = DecisionRequestValidator.Validate(request);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return TypedResults.Ok(engine.Evaluate(request));
    }
}
