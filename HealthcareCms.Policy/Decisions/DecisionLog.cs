namespace HealthcareCms.Policy.Decisions;

/// <summary>
/// The decision log: one entry per decision with its id, result, policy version and the inputs with
/// personal data masked (OPA-style): no subject id, resource id, owner id, IP address or device id — the
/// network and device classifications, the roles and the numeric signals instead.
/// </summary>
public static partial class DecisionLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information,
        Message = "Decision {DecisionId}: {Decision} {ResourceType}/{Action} score {TrustScore} (threshold {Threshold}) reasons [{Reasons}] " +
                  "policy {PolicyVersion}; input roles [{Roles}] status {Status} mfa {Mfa} session_age_s {SessionAgeSeconds} " +
                  "failed_logins {FailedLogins} network {Network} device {Device} hour_utc {HourUtc} rate_per_min {RatePerMinute} " +
                  "ownership_checked {OwnerGiven} simulation {Simulation}")]
    public static partial void Decided(
        ILogger logger,
        string decisionId,
        string decision,
        string resourceType,
        string action,
        int trustScore,
        int? threshold,
        string reasons,
        string policyVersion,
        string roles,
        string status,
        bool mfa,
        long sessionAgeSeconds,
        int failedLogins,
        NetworkClass network,
        DeviceClass device,
        int hourUtc,
        int ratePerMinute,
        bool ownerGiven,
        bool simulation);

    public static void Write(ILogger logger, string decisionId, string policyVersion, DecisionRequest request, Evaluation evaluation, bool simulation)
    {
        if (!logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        Decided(logger, decisionId, evaluation.Allowed ? "allow" : "deny", evaluation.ResourceType, evaluation.Action,
            evaluation.TrustScore, evaluation.Threshold, string.Join(',', evaluation.Reasons), policyVersion,
            string.Join(',', request.Subject!.Roles!), request.Subject.Status!, evaluation.Mfa, request.Subject.SessionAgeSeconds,
            request.Subject.RecentFailedLogins, evaluation.Network, evaluation.Device, request.Context!.Time!.Value.UtcDateTime.Hour,
            request.Context.RequestRatePerMinute ?? 0, !string.IsNullOrEmpty(request.Resource!.OwnerId), simulation);
    }
}
