using HealthcareCms.Api.Identity;

namespace HealthcareCms.Api.Access;

/// <summary>
/// The local, deny-by-default decider used until the policy service is wired in (the policy area replaces
/// this registration; same interface). It allows only what the content issue states: a patient consent is
/// created and read by the post's author, a PHI-capable role, in an MFA session. Everything else is denied.
/// </summary>
internal sealed class LocalAccessDecider(ICurrentUser user) : IAccessDecider
{
    private static readonly string[] PatientConsentActions = ["create", "read"];

    public Task<AccessDecision> DecideAsync(AccessRequest request, CancellationToken cancellationToken)
    {
        var decisionId = $"local-{Guid.NewGuid():N}";
        string[] reasons = request.ResourceType switch
        {
            _ when !user.IsAuthenticated || user.Id == Guid.Empty => ["role_not_permitted"],
            ResourceTypes.PatientConsent when !PatientConsentActions.Contains(request.Action) => ["invalid_request"],
            ResourceTypes.PatientConsent when !Roles.PhiCapable.Contains(user.Role) => ["role_not_permitted"],
            ResourceTypes.PatientConsent when !user.HasMfa => ["mfa_required"],
            ResourceTypes.PatientConsent when request.OwnerId is null || request.OwnerId != user.Id => ["not_owner"],
            ResourceTypes.PatientConsent => [],
            _ => ["unknown_resource_type"],
        };

        return Task.FromResult(new AccessDecision(reasons.Length == 0, decisionId, reasons));
    }
}
