using System.Text.Json;
using HealthcareCms.Api.Identity;
using HealthcareCms.Tests.Content;
using HealthcareCms.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace HealthcareCms.Tests.Observability;

/// <summary>
/// The traffic run the observability tests evaluate against: the services' public endpoints, identity
/// (login, failed login, refresh, logout, the admin-only SLO report), every capability that emits a custom
/// metric (<see cref="RunCapabilitiesAsync"/>), plus requests carrying personal data (an email, a CPF, a CNS, a phone number, a UUID) in
/// paths, query strings and headers, which must never surface in any label. Runs once per fixture, then
/// waits until Prometheus has scraped it and evaluated the SLO rules on it.
/// </summary>
public static class ObservabilityTraffic
{
    public const string Email = "maria.silva@example.com";
    public const string Cpf = "123.456.789-09";
    public const string CpfDigits = "12345678909";
    public const string Cns = "898001160789013";
    public const string Phone = "+55 11 91234-5678";
    public const string Uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
    public const string PatientName = "Maria Aparecida Souza";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static AppHostFixture? _done;

    public static async Task EnsureAsync(AppHostFixture fixture)
    {
        await Gate.WaitAsync();
        try
        {
            if (_done == fixture)
            {
                return;
            }

            await RunAsync(fixture);
            await WaitForPrometheusAsync(fixture);
            _done = fixture;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task RunAsync(AppHostFixture fixture)
    {
        using var api = fixture.CreateClient("api");
        using var policy = fixture.CreateClient("policy");
        using var workflows = await TestUsers.AssertedClientAsync(fixture, "workflows", "editor");
        string[] apiPaths =
        [
            "/api/status", "/api/posts", "/api/posts?page=2&pageSize=5",
            $"/api/posts?author={Uri.EscapeDataString(Email)}&cpf={Cpf}&cns={Cns}",
            $"/api/posts/{Uuid}", $"/api/patients/{CpfDigits}", $"/api/users/{Uri.EscapeDataString(Email)}",
        ];
        for (var round = 0; round < 3; round++)
        {
            foreach (var path in apiPaths)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.TryAddWithoutValidation("x-request-id", Email);
                request.Headers.TryAddWithoutValidation("x-healthcare-trace-id", CpfDigits);
                request.Headers.TryAddWithoutValidation("User-Agent", $"tester {Phone}");
                (await api.SendAsync(request)).Dispose();
            }

            (await policy.GetAsync("/v1/status")).Dispose();
            (await policy.PostAsJsonAsync("/v1/decisions", new { subject = new { email = Email, cpf = Cpf } })).Dispose();
            (await workflows.GetAsync("/status")).Dispose();
            (await workflows.GetAsync($"/status/{Uuid}")).Dispose();
        }

        await RunIdentityAsync(fixture);
        await RunCapabilitiesAsync(fixture);
    }

    /// <summary>
    /// One pass through every capability that emits a custom metric: a post submitted and run through the
    /// workflow (its WASM plugins included) while its author watches the live view, a PHI record written and
    /// read by an MFA physician on a managed device, an LGPD consent and a data-subject request, a failed
    /// live-view join and a policy denial (admin without MFA on the policy route).
    /// </summary>
    private static async Task RunCapabilitiesAsync(AppHostFixture fixture)
    {
        var physician = await TestUsers.CreateSessionAsync(fixture, Roles.Physician, withMfa: true);
        using var author = physician.Client.OnManagedDevice();
        var post = await ContentTestKit.CreatePostAsync(author);

        await using (var live = new HubConnectionBuilder()
            .WithUrl(new Uri(fixture.Endpoint("api"), "/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(physician.Tokens.AccessToken))
            .Build())
        {
            await live.StartAsync();
            await live.InvokeAsync<JsonElement>("JoinPostWorkflow", post.Id());
            await Assert.ThrowsAsync<HubException>(() => live.InvokeAsync<JsonElement>("JoinPostWorkflow", Guid.NewGuid()));

            using var submit = await author.PostAsync($"/api/posts/{post.Id()}/submit", null);
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
            await ContentTestKit.WaitForStatusAsync(author, post.Id(), "approved", "changes_requested");
        }

        using (var consent = await author.PostAsJsonAsync($"/api/posts/{post.Id()}/patient-consents",
            new { patientName = PatientName, cpf = ContentTestKit.NewCpf(), birthDate = "1980-02-29", scope = "image_use" }))
        {
            Assert.Equal(HttpStatusCode.Created, consent.StatusCode);
            (await author.GetAsync(consent.Headers.Location)).Dispose();
        }

        using var anonymous = TestUsers.AnonymousClient(fixture);
        var subscriber = $"observability-{Guid.NewGuid():N}@example.com";
        using (var subscribe = await anonymous.PostAsJsonAsync("/api/subscribers", new { name = "Carla Dias", email = subscriber, consents = new[] { "newsletter" } }))
        {
            Assert.Equal(HttpStatusCode.Created, subscribe.StatusCode);
        }

        using (var request = await anonymous.PostAsJsonAsync("/api/lgpd/requests", new { type = "access", email = subscriber }))
        {
            Assert.Equal(HttpStatusCode.Accepted, request.StatusCode);
        }

        using var adminWithoutMfa = await TestUsers.LoginAsync(fixture, Roles.Admin);
        using var denied = await adminWithoutMfa.GetAsync("/api/policy/v1/policies");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
    }

    /// <summary>Every identity metric: a successful and a failed login (with an email), a refresh, a logout.</summary>
    private static async Task RunIdentityAsync(AppHostFixture fixture)
    {
        using var anonymous = TestUsers.AnonymousClient(fixture);
        (await anonymous.PostAsJsonAsync(TestUsers.LoginPath, new LoginRequest(Email, $"wrong {CpfDigits}", null))).Dispose();

        // An admin of its own (not the shared seeded admin): this session is logged out below.
        var admin = await TestUsers.CreateSessionAsync(fixture, Roles.Admin);
        using (admin.Client)
        {
            (await admin.Client.GetAsync("/api/slo")).Dispose();
            (await admin.Client.GetAsync("/api/workflows/status")).Dispose(); // through the gateway
            using var refresh = await anonymous.PostAsJsonAsync("/api/auth/refresh", new RefreshRequest(admin.Tokens.RefreshToken));
            refresh.EnsureSuccessStatusCode();
            using var logout = await admin.Client.PostAsync("/api/auth/logout", null);
            logout.EnsureSuccessStatusCode();
        }
    }

    /// <summary>Until every job is up and the availability SLO rules have seen the api's requests.</summary>
    private static async Task WaitForPrometheusAsync(AppHostFixture fixture)
    {
        using var prometheus = fixture.CreateClient("prometheus");
        string[] ready =
        [
            "count(up{job=~\"api|policy|workflows\"} == 1) == 3",
            "sum(rate(http_server_request_duration_seconds_count{job=\"api\"}[1m])) > 0",
            "slo:sli_events:rate5m{slo=\"availability\"} > 0",
            // >= 0 filters NaN out: the 30-day ratios are NaN until the window rules have seen a request.
            "slo:sli:ratio_rate30d{slo=\"availability\"} >= 0",
            "slo:burn_rate:rate1h{slo=\"latency\"} >= 0",
            // The identity traffic comes last: two samples of its series, so rate() has something to work on.
            "count_over_time(healthcare_cms_auth_logouts_total[1m]) > 1",
            "count_over_time(healthcare_cms_auth_token_refreshes_total[1m]) > 1",
            // The capabilities' series, and the fault counters (initialised at 0), twice each as well.
            "count_over_time(healthcare_cms_compliance_phi_access_total[1m]) > 1",
            "count_over_time(healthcare_cms_compliance_lgpd_events_total[1m]) > 1",
            "count_over_time(healthcare_cms_compliance_audit_write_failures_total[1m]) > 1",
            "count_over_time(healthcare_cms_medical_workflows_completed_total[1m]) > 1",
            "count_over_time(healthcare_cms_medical_workflows_duration_seconds_count[1m]) > 1",
            "count_over_time(healthcare_cms_wasm_plugin_calls_total[1m]) > 1",
            "count_over_time(healthcare_cms_wasm_errors_total[1m]) > 1",
            "count_over_time(healthcare_cms_live_mount_duration_seconds_count[1m]) > 1",
            "count_over_time(healthcare_cms_live_mount_exception_total[1m]) > 1",
            "count_over_time(healthcare_cms_zero_trust_policy_evaluations_total{decision=\"deny\"}[1m]) > 1",
            "count_over_time(healthcare_cms_zero_trust_denials_total[1m]) > 1",
            "count_over_time(healthcare_cms_zero_trust_trust_scores_count[1m]) > 1",
            "count_over_time(healthcare_cms_zero_trust_enforcement_failures_total[1m]) > 1",
            "count_over_time(healthcare_cms_gateway_forward_failures_total[1m]) > 1",
        ];
        var deadline = DateTime.UtcNow.AddSeconds(90);
        foreach (var query in ready)
        {
            while ((await PrometheusQuery.RunAsync(prometheus, query)).Series.Count == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, $"Prometheus never answered '{query}' with data");
                await Task.Delay(500);
            }
        }
    }
}

/// <summary>An instant query against the real Prometheus: result series or the error it reported.</summary>
public sealed record PrometheusQueryResult(IReadOnlyList<JsonElement> Series, string? ErrorType, string? Error);

public static class PrometheusQuery
{
    public static async Task<PrometheusQueryResult> RunAsync(HttpClient prometheus, string query)
    {
        using var response = await prometheus.PostAsync("/api/v1/query", new FormUrlEncodedContent([new("query", query)]));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (body.GetProperty("status").GetString() != "success")
        {
            return new PrometheusQueryResult([], body.GetProperty("errorType").GetString(), body.GetProperty("error").GetString());
        }

        var data = body.GetProperty("data");
        var result = data.GetProperty("result");
        return data.GetProperty("resultType").GetString() is "scalar" or "string"
            ? new PrometheusQueryResult([result], null, null)
            : new PrometheusQueryResult([.. result.EnumerateArray()], null, null);
    }
}
