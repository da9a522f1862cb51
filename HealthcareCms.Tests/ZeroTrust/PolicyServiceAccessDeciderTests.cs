using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using HealthcareCms.Api.Access;
using HealthcareCms.Api.Identity;
using HealthcareCms.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace HealthcareCms.Tests.ZeroTrust;

/// <summary>The enforcement point's decider against a real local HTTP server standing in for the policy service.</summary>
public sealed class PolicyServiceAccessDeciderTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 14, 0, 0, TimeSpan.Zero);
    private const string UserId = "0b9f3c2e-1111-4a5b-9c8d-000000000001";

    private readonly FixedTime _clock = new(Now);
    private PolicyStandIn _policy = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _policy = await PolicyStandIn.StartAsync();
        _services = Services(_policy.Url, Generous);

        // Warm up (JIT, first connection) through a separate provider, so no test's first call meets the
        // 200 ms budget cold on a busy machine.
        await using (var warmUp = Services(_policy.Url, Generous))
        {
            await DecideAsync(new AccessRequest(ResourceTypes.PostPublic, "read"), services: warmUp);
        }

        _policy.Clear();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _policy.DisposeAsync();
    }

    [Fact]
    public async Task Sends_the_subject_from_the_token_claims_and_the_context_from_the_request()
    {
        var decision = await DecideAsync(new AccessRequest(ResourceTypes.PatientConsent, "read", "c-9", Guid.Parse(UserId)),
            headers: new() { ["x-device-id"] = "dev-1", ["x-device-managed"] = "true" });

        Assert.True(decision.Allowed);
        Assert.Equal("d-allow-1", decision.DecisionId);
        Assert.Null(decision.FailureReason);
        var sent = Assert.Single(_policy.Requests);
        var subject = sent.GetProperty("subject");
        Assert.Equal(UserId, subject.GetProperty("id").GetString());
        Assert.Equal("active", subject.GetProperty("status").GetString());
        Assert.Equal(["physician"], subject.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(["mfa", "otp", "pwd"], subject.GetProperty("amr").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(600, subject.GetProperty("sessionAgeSeconds").GetInt64());
        Assert.Equal(0, subject.GetProperty("recentFailedLogins").GetInt32());
        var resource = sent.GetProperty("resource");
        Assert.Equal(("patient_consent", "c-9", UserId),
            (resource.GetProperty("type").GetString(), resource.GetProperty("id").GetString(), resource.GetProperty("ownerId").GetString()));
        Assert.Equal("read", sent.GetProperty("action").GetString());
        var context = sent.GetProperty("context");
        Assert.Equal("10.0.0.5", context.GetProperty("ip").GetString());
        Assert.Equal("dev-1", context.GetProperty("deviceId").GetString());
        Assert.True(context.GetProperty("deviceManaged").GetBoolean());
        Assert.Equal(Now, context.GetProperty("time").GetDateTimeOffset());
        Assert.Equal(1, context.GetProperty("requestRatePerMinute").GetInt32());
    }

    /// <summary>Status and failed logins come from identity's tables (the session check's <see cref="SubjectStanding"/>),
    /// not from constants; both are decision inputs, so a change of either is never answered from the cache.</summary>
    [Fact]
    public async Task Sends_the_subjects_standing_and_keys_the_cache_by_it()
    {
        var request = new AccessRequest(ResourceTypes.AuditLog, "read");

        await DecideAsync(request, standing: new SubjectStanding(false, 3));
        await DecideAsync(request, standing: new SubjectStanding(false, 3));
        await DecideAsync(request, standing: new SubjectStanding(false, 4));
        await DecideAsync(request, standing: new SubjectStanding(true, 4));

        Assert.Equal([("active", 3), ("active", 4), ("disabled", 4)], _policy.Requests.Select(r => r.GetProperty("subject"))
            .Select(s => (s.GetProperty("status").GetString(), s.GetProperty("recentFailedLogins").GetInt32())));
    }

    /// <summary>A principal whose session was not checked against the database has no standing: it is not a
    /// live session, so nothing is asked and nothing is allowed.</summary>
    [Fact]
    public async Task A_principal_without_a_checked_session_is_denied_without_asking()
    {
        var context = new DefaultHttpContext { RequestServices = _services };
        context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", UserId), new Claim("role", "admin")], "Bearer", "sub", "role"));
        _services.GetRequiredService<IHttpContextAccessor>().HttpContext = context;
        using var scope = _services.CreateScope();

        var decision = await scope.ServiceProvider.GetRequiredService<IAccessDecider>()
            .DecideAsync(new AccessRequest(ResourceTypes.UserAdmin, "read"), CancellationToken.None);

        Assert.False(decision.Allowed);
        Assert.Equal([PolicyServiceAccessDecider.Unauthenticated], decision.Reasons);
        Assert.Empty(_policy.Requests);
    }

    [Fact]
    public async Task Counts_the_subjects_requests_per_minute()
    {
        for (var i = 0; i < 3; i++)
        {
            await DecideAsync(new AccessRequest(ResourceTypes.AuditLog, "read", $"a-{i}"));
        }

        Assert.Equal([1, 2, 3], _policy.Requests.Select(r => r.GetProperty("context").GetProperty("requestRatePerMinute").GetInt32()));
    }

    [Fact]
    public async Task An_allow_is_cached_for_the_same_inputs_until_it_expires()
    {
        var request = new AccessRequest(ResourceTypes.AuditLog, "read");

        var first = await DecideAsync(request);
        var second = await DecideAsync(request);
        Assert.Single(_policy.Requests);
        Assert.Equal(first, second);

        await DecideAsync(request with { Action = "export" });
        await DecideAsync(request, headers: new() { ["x-device-id"] = "another-device" });
        await DecideAsync(request, ip: "10.0.0.6");
        Assert.Equal(4, _policy.Requests.Count);

        _clock.Advance(TimeSpan.FromSeconds(6));
        await DecideAsync(request);
        Assert.Equal(5, _policy.Requests.Count);
    }

    [Fact]
    public async Task A_deny_is_never_cached_and_keeps_its_reasons()
    {
        _policy.Respond = _ => Task.FromResult(PolicyStandIn.Deny());

        var first = await DecideAsync(new AccessRequest(ResourceTypes.PatientConsent, "read"));
        await DecideAsync(new AccessRequest(ResourceTypes.PatientConsent, "read"));

        Assert.False(first.Allowed);
        Assert.Equal("d-deny-1", first.DecisionId);
        Assert.Equal(["mfa_required"], first.Reasons);
        Assert.Null(first.FailureReason);
        Assert.Equal(2, _policy.Requests.Count);
    }

    [Fact]
    public async Task An_anonymous_request_is_denied_without_asking()
    {
        var decision = await DecideAsync(new AccessRequest(ResourceTypes.AuditLog, "read"), authenticated: false);

        Assert.False(decision.Allowed);
        Assert.Equal([PolicyServiceAccessDecider.Unauthenticated], decision.Reasons);
        Assert.Empty(_policy.Requests);
    }

    [Fact]
    public async Task A_slow_policy_service_fails_closed_with_timeout_within_the_budget()
    {
        await using var services = Services(_policy.Url);
        using var failures = FailureCollector(services);
        _policy.Respond = async _ =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            return PolicyStandIn.Allow();
        };

        var stopwatch = Stopwatch.StartNew();
        var decision = await DecideAsync(new AccessRequest(ResourceTypes.AuditLog, "read"), services: services);
        stopwatch.Stop();

        Assert.False(decision.Allowed);
        Assert.Equal(EnforcementFailures.Timeout, decision.FailureReason);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1.5), $"took {stopwatch.Elapsed}");
        Assert.Equal(["timeout"], failures.GetMeasurementSnapshot().Where(m => m.Value > 0).Select(m => (string)m.Tags["reason"]!));
    }

    [Fact]
    public async Task An_unreachable_policy_service_fails_closed_as_unavailable()
    {
        await using var services = Services(new Uri($"http://127.0.0.1:{FreePort()}"), Generous);
        using var failures = FailureCollector(services);

        var decision = await DecideAsync(new AccessRequest(ResourceTypes.UserAdmin, "read"), services: services);

        Assert.False(decision.Allowed);
        Assert.Equal(EnforcementFailures.Unavailable, decision.FailureReason);
        Assert.Equal(["unavailable"], failures.GetMeasurementSnapshot().Where(m => m.Value > 0).Select(m => (string)m.Tags["reason"]!));
    }

    public static TheoryData<int, string, string> BadAnswers() => new()
    {
        { 500, """{"title":"boom"}""", EnforcementFailures.Unavailable },
        { 400, """{"title":"bad"}""", EnforcementFailures.InvalidResponse },
        { 200, """not json""", EnforcementFailures.InvalidResponse },
        { 200, """{"decisionId":"d-1","decision":"maybe"}""", EnforcementFailures.InvalidResponse },
        { 200, """{"decision":"allow"}""", EnforcementFailures.InvalidResponse },
    };

    [Theory]
    [MemberData(nameof(BadAnswers))]
    public async Task A_bad_answer_fails_closed(int status, string body, string reason)
    {
        _policy.Respond = _ => Task.FromResult(Results.Text(body, "application/json", statusCode: status));

        var decision = await DecideAsync(new AccessRequest(ResourceTypes.AuditLog, "read"));

        Assert.False(decision.Allowed);
        Assert.Equal(reason, decision.FailureReason);
    }

    [Fact]
    public async Task Repeated_failures_open_the_circuit_and_later_requests_fail_at_once()
    {
        using var failures = FailureCollector();
        _policy.Respond = _ => Task.FromResult(Results.StatusCode(503));

        var reasons = new List<string?>();
        for (var i = 0; i < 8; i++)
        {
            reasons.Add((await DecideAsync(new AccessRequest(ResourceTypes.AuditLog, "read", $"a-{i}"))).FailureReason);
        }

        Assert.Equal(EnforcementFailures.Unavailable, reasons[0]);
        Assert.Equal(EnforcementFailures.CircuitOpen, reasons[^1]);
        var callsWhenOpen = _policy.Requests.Count;
        await DecideAsync(new AccessRequest(ResourceTypes.AuditLog, "read", "a-last"));
        Assert.Equal(callsWhenOpen, _policy.Requests.Count);
        Assert.Contains(failures.GetMeasurementSnapshot(), m => (string)m.Tags["reason"]! == "circuit_open");
    }

    /// <summary>The production budget (200 ms) is used by the timeout test; the others get a generous one, so a
    /// saturated test machine cannot turn their expected outcome into a timeout.</summary>
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(3);

    private ServiceProvider Services(Uri policyUrl, TimeSpan? decisionTimeout = null) => new ServiceCollection()
        .AddLogging()
        .AddMetrics()
        .AddSingleton<TimeProvider>(_clock)
        .Configure<AccessOptions>(o =>
        {
            o.PolicyServiceUrl = policyUrl;
            o.DecisionTimeout = decisionTimeout ?? o.DecisionTimeout;
        })
        .AddAccessEnforcementServices()
        .BuildServiceProvider();

    private MetricCollector<long> FailureCollector(IServiceProvider? services = null) =>
        new((services ?? _services).GetRequiredService<IMeterFactory>(), MetricCatalog.Meters.ZeroTrust, "healthcare_cms.zero_trust.enforcement_failures");

    private async Task<AccessDecision> DecideAsync(
        AccessRequest request, Dictionary<string, string>? headers = null, string ip = "10.0.0.5", bool authenticated = true,
        ServiceProvider? services = null, SubjectStanding? standing = null)
    {
        services ??= _services;
        var context = new DefaultHttpContext { RequestServices = services };
        context.Connection.RemoteIpAddress = IPAddress.Parse(ip);
        foreach (var (name, value) in headers ?? [])
        {
            context.Request.Headers[name] = value;
        }

        if (authenticated)
        {
            context.User = new ClaimsPrincipal(new ClaimsIdentity(
            [
                new Claim("sub", UserId), new Claim("role", "physician"), new Claim("amr", "pwd"), new Claim("amr", "otp"),
                new Claim("amr", "mfa"), new Claim("auth_time", Now.AddSeconds(-600).ToUnixTimeSeconds().ToString()),
                new Claim("sid", "s-1"),
            ], "Bearer", "sub", "role"));
            context.Features.Set(standing ?? new SubjectStanding(Disabled: false, RecentFailedLogins: 0));
        }

        services.GetRequiredService<IHttpContextAccessor>().HttpContext = context;
        using var scope = services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<IAccessDecider>().DecideAsync(request, CancellationToken.None);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
