using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Claims;
using HealthcareCms.Api.Identity;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace HealthcareCms.Api.Access;

/// <summary>
/// The enforcement point's <see cref="IAccessDecider"/>: asks the policy service (typed HttpClient, standard
/// resilience handler with a 200 ms timeout and a circuit breaker) for every protected request. The subject
/// comes from the access token's claims (CONTRACTS §1), the context from the request (client address,
/// <c>x-device-id</c> / <c>x-device-managed</c>, time, the subject's request rate). Allows are cached briefly
/// by every input that affects them. Fails closed: no decision → not allowed, with a failure reason,
/// counted in <c>enforcement_failures</c>.
/// </summary>
public sealed partial class PolicyServiceAccessDecider(
    HttpClient http,
    IHttpContextAccessor httpContextAccessor,
    AllowDecisionCache cache,
    SubjectRequestRate requestRate,
    EnforcementMetrics metrics,
    TimeProvider time,
    ILogger<PolicyServiceAccessDecider> logger) : IAccessDecider
{
    public const string DeviceIdHeader = "x-device-id";
    public const string DeviceManagedHeader = "x-device-managed";

    /// <summary>The reason given when the request has no authenticated subject (the policy service is not asked).</summary>
    public const string Unauthenticated = "unauthenticated";

    /// <summary>Session age used when the token has no <c>auth_time</c>: older than any policy allows.</summary>
    private const long UnknownSessionAge = long.MaxValue / 4;

    private const int MaxDeviceIdLength = 128;

    /// <summary>Width of the request-rate bands in the cache key (requests per minute).</summary>
    private const int RateBand = 10;

    private static readonly ActivitySource ActivitySource = new("HealthcareCms.ZeroTrust");

    public async Task<AccessDecision> DecideAsync(AccessRequest request, CancellationToken cancellationToken)
    {
        var httpContext = httpContextAccessor.HttpContext;
        var user = httpContext?.User;
        var subjectId = user?.FindFirst(CmsClaims.Subject)?.Value;
        // No standing means the session check did not run for this principal: not a live session.
        var standing = httpContext?.Features.Get<SubjectStanding>();
        if (httpContext is null || user?.Identity?.IsAuthenticated != true || string.IsNullOrEmpty(subjectId) || standing is null)
        {
            return new AccessDecision(false, null, [Unauthenticated]);
        }

        var decisionRequest = BuildRequest(httpContext, user, subjectId, standing, request, requestRate.Hit(subjectId), time.GetUtcNow());
        var key = CacheKey(decisionRequest, user);
        if (cache.TryGet(key, out var cached))
        {
            return cached;
        }

        using var activity = ActivitySource.StartActivity("access.decide");
        activity?.SetTag("access.resource_type", request.ResourceType);
        var decision = await AskPolicyServiceAsync(decisionRequest, cancellationToken);
        activity?.SetTag("access.allowed", decision.Allowed);
        if (decision.FailureReason is { } failure)
        {
            activity?.SetTag("access.failure_reason", failure);
            metrics.Failed(failure);
            LogFailedClosed(request.ResourceType, failure);
        }

        cache.Add(key, decision);
        return decision;
    }

    private async Task<AccessDecision> AskPolicyServiceAsync(PolicyDecisionRequest request, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.PostAsJsonAsync("/v1/decisions", request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return AccessDecision.Unavailable((int)response.StatusCode >= 500
                    ? EnforcementFailures.Unavailable
                    : EnforcementFailures.InvalidResponse);
            }

            var body = await response.Content.ReadFromJsonAsync<PolicyDecisionResponse>(cancellationToken);
            if (body is not { DecisionId.Length: > 0, Decision: "allow" or "deny" })
            {
                return AccessDecision.Unavailable(EnforcementFailures.InvalidResponse);
            }

            return new AccessDecision(body.Decision == "allow", body.DecisionId, body.Reasons ?? []);
        }
        catch (BrokenCircuitException)
        {
            return AccessDecision.Unavailable(EnforcementFailures.CircuitOpen);
        }
        catch (TimeoutRejectedException)
        {
            return AccessDecision.Unavailable(EnforcementFailures.Timeout);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return AccessDecision.Unavailable(EnforcementFailures.Timeout);
        }
        catch (HttpRequestException)
        {
            return AccessDecision.Unavailable(EnforcementFailures.Unavailable);
        }
        catch (System.Text.Json.JsonException)
        {
            return AccessDecision.Unavailable(EnforcementFailures.InvalidResponse);
        }
    }

    internal static PolicyDecisionRequest BuildRequest(
        HttpContext httpContext, ClaimsPrincipal user, string subjectId, SubjectStanding standing, AccessRequest request,
        int ratePerMinute, DateTimeOffset now)
    {
        var roles = user.FindAll(CmsClaims.Role).Select(c => c.Value).ToArray();
        var amr = user.FindAll(CmsClaims.AuthenticationMethods).Select(c => c.Value).Order(StringComparer.Ordinal).ToArray();
        var sessionAge = long.TryParse(user.FindFirst(CmsClaims.AuthTime)?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var authTime)
            ? Math.Max(0, now.ToUnixTimeSeconds() - authTime)
            : UnknownSessionAge;

        var deviceId = httpContext.Request.Headers[DeviceIdHeader].ToString();
        var managed = httpContext.Request.Headers[DeviceManagedHeader].ToString();
        var ip = httpContext.Connection.RemoteIpAddress ?? IPAddress.IPv6None;
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        // Status and recent failures are not in the token: they come from identity's tables, read with the
        // session check of this very request (SubjectStanding).
        return new PolicyDecisionRequest(
            new PolicySubject(subjectId, standing.Status, roles, amr, sessionAge, standing.RecentFailedLogins),
            new PolicyResource(request.ResourceType, request.ResourceId, request.OwnerId?.ToString()),
            request.Action,
            new PolicyContext(
                ip.ToString(),
                deviceId.Length is > 0 and <= MaxDeviceIdLength ? deviceId : null,
                managed.Length == 0 ? null : managed is "true" or "1",
                now,
                ratePerMinute));
    }

    /// <summary>Every input of the decision: subject (id, status, failed logins, roles, amr, session), resource, action, client
    /// address, device, the UTC hour (time-of-day factor) and the request-rate band. The session age and
    /// the rate inside a band drift for at most the cache duration.</summary>
    internal static string CacheKey(PolicyDecisionRequest request, ClaimsPrincipal user) =>
        string.Join('\u001f',
            request.Subject.Id,
            request.Subject.Status,
            request.Subject.RecentFailedLogins.ToString(CultureInfo.InvariantCulture),
            user.FindFirst(CmsClaims.SessionId)?.Value,
            user.FindFirst(CmsClaims.AuthTime)?.Value,
            string.Join(',', request.Subject.Roles),
            string.Join(',', request.Subject.Amr),
            request.Resource.Type,
            request.Resource.Id,
            request.Resource.OwnerId,
            request.Action,
            request.Context.Ip,
            request.Context.DeviceId,
            request.Context.DeviceManaged?.ToString(),
            request.Context.Time.UtcDateTime.Hour.ToString(CultureInfo.InvariantCulture),
            ((request.Context.RequestRatePerMinute ?? 0) / RateBand).ToString(CultureInfo.InvariantCulture));

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning,
        Message = "No policy decision for {ResourceType}: failing closed ({FailureReason})")]
    private partial void LogFailedClosed(string resourceType, string failureReason);
}
