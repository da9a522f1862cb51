using HealthcareCms.Api.Access;
using HealthcareCms.Api.Identity;
using HealthcareCms.ServiceDefaults.Correlation;

namespace HealthcareCms.Api.Audit;

/// <summary>
/// Builds audit entries for the current request: who (user id, role), where from (IP), which request, and the
/// policy decision that allowed it (<see cref="GrantedAccess"/>) unless one is given.
/// </summary>
public sealed class RequestAuditor(IAuditTrail trail, ICurrentUser user, IHttpContextAccessor http)
{
    public Task RecordAsync(
        string resourceType, string? resourceId, string action, string outcome, CancellationToken cancellationToken,
        string? decisionId = null) =>
        trail.RecordAsync(new AuditEntry(
            resourceType,
            resourceId,
            action,
            outcome,
            user.IsAuthenticated ? user.Id : null,
            user.IsAuthenticated ? user.Role : null,
            http.HttpContext?.Connection.RemoteIpAddress?.ToString(),
            RequestCorrelation.Current?.RequestId,
            decisionId ?? http.HttpContext?.Features.Get<GrantedAccess>()?.DecisionId), cancellationToken);
}
