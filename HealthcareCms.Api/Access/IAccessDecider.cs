namespace HealthcareCms.Api.Access;

/// <summary>
/// The Api's zero-trust enforcement point: every sensitive access asks for a decision, per request. The
/// subject (from the authenticated user and session) and the context (network, device, time, rate) are
/// taken from the current HTTP request by the implementation; callers describe only what they touch.
/// Implementations fail closed: when no decision can be had, <see cref="AccessDecision.Allowed"/> is false
/// and <see cref="AccessDecision.FailureReason"/> says why.
/// </summary>
public interface IAccessDecider
{
    Task<AccessDecision> DecideAsync(AccessRequest request, CancellationToken cancellationToken);
}

/// <param name="ResourceType">One of <see cref="ResourceTypes"/>.</param>
/// <param name="Action">What is done: <c>read</c>, <c>create</c>, <c>update</c>, <c>delete</c>, <c>list</c>, ...</param>
/// <param name="ResourceId">The resource's id, when there is one.</param>
/// <param name="OwnerId">The user id that owns the resource (e.g. a post's author), when there is one.</param>
public sealed record AccessRequest(string ResourceType, string Action, string? ResourceId = null, Guid? OwnerId = null);

/// <param name="Allowed">True only for an explicit allow.</param>
/// <param name="DecisionId">The policy decision id, recorded in the audit entry of the access.</param>
/// <param name="Reasons">Reason codes from a closed set (see MetricCatalog.Values.DenialReasons).</param>
/// <param name="FailureReason">Set when no decision could be had (fail closed): <c>timeout</c>,
/// <c>unavailable</c>, <c>circuit_open</c>, <c>invalid_response</c>.</param>
public sealed record AccessDecision(bool Allowed, string? DecisionId, IReadOnlyList<string> Reasons, string? FailureReason = null)
{
    public static AccessDecision Unavailable(string failureReason) => new(false, null, [], failureReason);
}

public static class ResourceTypes
{
    public const string PostPublic = "post_public";
    public const string PostDraft = "post_draft";
    public const string PatientConsent = "patient_consent";
    public const string AuditLog = "audit_log";
    public const string LgpdRequest = "lgpd_request";
    public const string UserAdmin = "user_admin";
    public const string PolicyAdmin = "policy_admin";
    public const string WorkflowStatus = "workflow_status";
    public const string SubscriberData = "subscriber_data";
}
