namespace HealthcareCms.Api.Audit;

/// <summary>
/// The audit trail (HIPAA 164.312(b)): every write, every PHI read, every denied access and every auth
/// event produces one record. A failed audit write fails the operation it audits: callers await
/// <see cref="RecordAsync"/> before they answer, inside the same unit of work where there is one.
/// </summary>
public interface IAuditTrail
{
    Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken);
}

/// <summary>One audit record, modelled on FHIR AuditEvent (who, what, action, outcome, when, source).</summary>
/// <param name="ResourceType">From MetricCatalog.Values.AuditResourceTypes.</param>
/// <param name="Action">From MetricCatalog.Values.AuditActions.</param>
/// <param name="Outcome">One of <see cref="AuditOutcomes"/>.</param>
/// <param name="UserId">Who acted (null for an anonymous actor, e.g. a failed login for an unknown email).</param>
/// <param name="UserRole">The actor's role, when known.</param>
/// <param name="SourceIp">The client's address, as the Api saw it.</param>
/// <param name="RequestId">The request's x-request-id.</param>
/// <param name="DecisionId">The zero-trust decision that allowed or denied the access, when there was one.</param>
public sealed record AuditEntry(
    string ResourceType,
    string? ResourceId,
    string Action,
    string Outcome,
    Guid? UserId,
    string? UserRole,
    string? SourceIp,
    string? RequestId,
    string? DecisionId = null);

public static class AuditOutcomes
{
    public const string Success = "success";
    public const string Failure = "failure";
    public const string Denied = "denied";
}
