using System.Diagnostics.Metrics;
using HealthcareCms.ServiceDefaults.Telemetry;

namespace HealthcareCms.Api.Audit;

public static class LgpdEventTypes
{
    public const string ConsentGranted = "consent_granted";
    public const string ConsentRevoked = "consent_revoked";
    public const string AccessRequest = "access_request";
    public const string DeletionRequest = "deletion_request";
    public const string CorrectionRequest = "correction_request";
    public const string PortabilityRequest = "portability_request";
    public const string RequestCompleted = "request_completed";
    public const string RequestOverdue = "request_overdue";
}

/// <summary>The compliance instruments (audit trail, PHI access, LGPD events); tags come only from closed sets.</summary>
public sealed class ComplianceMetrics
{
    private readonly ContractCounter _auditEntries;
    private readonly ContractCounter _auditWriteFailures;
    private readonly ContractCounter _phiAccess;
    private readonly ContractCounter _lgpdEvents;

    public ComplianceMetrics(IMeterFactory meterFactory)
    {
        var meter = new ContractMeter(meterFactory, MetricCatalog.Meters.Compliance);
        _auditEntries = meter.Counter("healthcare_cms.compliance.audit_log_entries");
        _auditWriteFailures = meter.Counter("healthcare_cms.compliance.audit_write_failures").InitializeAtZero();
        _phiAccess = meter.Counter("healthcare_cms.compliance.phi_access");
        // Initialised: request_overdue is alerted on with increase(), which cannot see a series' first sample.
        _lgpdEvents = meter.Counter("healthcare_cms.compliance.lgpd_events").InitializeAtZero();
    }

    public void AuditEntryWritten(string resourceType, string action, string outcome) =>
        _auditEntries.Add(1, new("resource_type", resourceType), new("action", action), new("outcome", outcome));

    public void AuditWriteFailed() => _auditWriteFailures.Add(1);

    public void PhiAccessed(string? userRole) => _phiAccess.Add(1, new KeyValuePair<string, object?>("user_role", userRole));

    public void LgpdEvent(string eventType) => _lgpdEvents.Add(1, new KeyValuePair<string, object?>("event_type", eventType));
}
