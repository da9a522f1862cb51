using HealthcareCms.ServiceDefaults.Security;

namespace HealthcareCms.Policy.Policies;

/// <param name="Version">The active policy's version (<c>{file version}+{overlay}</c> with an overlay).</param>
/// <param name="Policy">The active policy document; null while only the bootstrap (deny-all) policy is active.</param>
/// <param name="Overlay">The environment overlay applied on top, if any.</param>
/// <param name="LastErrors">Why the last changed file was rejected, until a good one is loaded.</param>
public sealed record PolicyView(string Version, PolicyDocument? Policy, PolicyOverlayDocument? Overlay, IReadOnlyList<string> LastErrors);

public static class PoliciesApi
{
    public static IEndpointRouteBuilder MapPoliciesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/policies", GetPolicies)
            .WithName("GetPolicies")
            .WithSummary("Admins: the active policy's version and content, and the errors of the last rejected file.")
            .WithTags("Policies")
            .RequireGatewayAssertion(GatewayRoles.Admin);
        return app;
    }

    public static PolicyView GetPolicies(PolicyStore store)
    {
        var current = store.Current;
        return new PolicyView(current.Version, current.Document, current.Overlay, store.LastErrors);
    }
}
