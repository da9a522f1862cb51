using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using HealthcareCms.ServiceDefaults.Security;
using HealthcareCms.ServiceDefaults.Telemetry;
using HealthcareCms.Tests.Infrastructure;

namespace HealthcareCms.Tests.ZeroTrust;

/// <summary>The policy service as deployed by the AppHost (shipped policy + Development overlay).</summary>
[Collection(AppHostCollection.Name)]
public sealed class PolicyServiceTests(AppHostFixture fixture)
{
    private static object Request(string[]? amr = null, string ip = "127.0.0.1", string type = "patient_consent") => new
    {
        subject = new { id = "u-1", status = "active", roles = new[] { "physician" }, amr = amr ?? ["pwd", "mfa"], sessionAgeSeconds = 60, recentFailedLogins = 0 },
        resource = new { type, id = "c-1", ownerId = "u-1" },
        action = "read",
        context = new { ip, deviceId = "d-1", deviceManaged = true, time = "2026-11-24T14:00:00Z", requestRatePerMinute = 3 },
    };

    [Fact]
    public async Task Decides_allow_and_deny_with_the_shipped_policy_and_its_development_overlay()
    {
        using var policy = fixture.CreateClient("policy");

        var allow = await (await policy.PostAsJsonAsync("/v1/decisions", Request())).Content.ReadFromJsonAsync<JsonElement>();
        var deny = await (await policy.PostAsJsonAsync("/v1/decisions", Request(amr: ["pwd"]))).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("allow", allow.GetProperty("decision").GetString());
        Assert.Equal(100, allow.GetProperty("trustScore").GetInt32());
        Assert.Equal("2026.11.24-4+development", allow.GetProperty("policyVersion").GetString());
        Assert.Equal(["audit_access"], allow.GetProperty("obligations").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal(32, allow.GetProperty("decisionId").GetString()!.Length);
        Assert.Equal("deny", deny.GetProperty("decision").GetString());
        Assert.Equal(["mfa_required"], deny.GetProperty("reasons").EnumerateArray().Select(o => o.GetString()));
    }

    public static TheoryData<string, string, string> BadInputs() => new()
    {
        { "empty object", "{}", "subject" },
        { "malformed JSON", "{\"subject\": ", "" },
        { "wrong type", "{\"subject\": {\"sessionAgeSeconds\": \"old\"}}", "" },
        { "bad IP", Json(Request(ip: "not-an-ip")), "context.ip" },
        { "unknown role", Json(Request()).Replace("\"physician\"", "\"wizard\""), "subject.roles" },
        { "bad resource type", Json(Request(type: "Patient Consent")), "resource.type" },
        { "missing time", Json(Request()).Replace("\"time\":\"2026-11-24T14:00:00Z\",", ""), "context.time" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_is_a_400_problem_never_a_500(string what, string body, string errorKey)
    {
        using var policy = fixture.CreateClient("policy");

        using var response = await policy.PostAsync("/v1/decisions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.True(HttpStatusCode.BadRequest == response.StatusCode, $"{what}: {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        if (errorKey.Length > 0)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(errorKey, out _), $"{what}: no error for {errorKey}");
        }
    }

    [Fact]
    public async Task Admin_endpoints_need_a_valid_admin_assertion()
    {
        var key = Encoding.UTF8.GetBytes(await TestUsers.ParameterAsync(fixture, "internal-signing-key"));
        var now = DateTimeOffset.UtcNow;
        var cases = new (string? Header, HttpStatusCode Expected)[]
        {
            (null, HttpStatusCode.Unauthorized),
            (IdentityAssertion.Create(Encoding.UTF8.GetBytes("forged-forged-forged-forged-forged-forged"), "admin", "x", now.AddSeconds(30)), HttpStatusCode.Unauthorized),
            (IdentityAssertion.Create(key, "admin", "x", now.AddSeconds(-5)), HttpStatusCode.Unauthorized),
            (IdentityAssertion.Create(key, "editor", "x", now.AddSeconds(30)), HttpStatusCode.Forbidden),
            (IdentityAssertion.Create(key, "admin", "x", now.AddSeconds(30)), HttpStatusCode.OK),
        };

        using var policy = fixture.CreateClient("policy");
        foreach (var (header, expected) in cases)
        {
            // Simulation (which evaluates any candidate policy) is behind the same assertion.
            using var simulate = new HttpRequestMessage(HttpMethod.Post, "/v1/decisions/simulate")
            {
                Content = new StringContent($"{{\"request\": {Json(Request())}}}", Encoding.UTF8, "application/json"),
            };
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/policies");
            if (header is not null)
            {
                request.Headers.Add(IdentityAssertion.HeaderName, header);
                simulate.Headers.Add(IdentityAssertion.HeaderName, header);
            }

            using var simulated = await policy.SendAsync(simulate);
            Assert.Equal(expected, simulated.StatusCode);
            using var response = await policy.SendAsync(request);
            Assert.Equal(expected, response.StatusCode);
            if (expected != HttpStatusCode.OK)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                continue;
            }

            var view = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("2026.11.24-4+development", view.GetProperty("version").GetString());
            Assert.Equal(9, view.GetProperty("policy").GetProperty("resources").EnumerateObject().Count());
            Assert.Equal("development", view.GetProperty("overlay").GetProperty("name").GetString());
        }
    }

    [Fact]
    public async Task Simulation_explains_a_decision_and_validates_a_candidate_policy()
    {
        using var policy = await TestUsers.AssertedClientAsync(fixture, "policy", "admin");

        using var simulated = await policy.PostAsJsonAsync("/v1/decisions/simulate", new { request = Request(ip: "203.0.113.9") });
        var result = await simulated.Content.ReadFromJsonAsync<JsonElement>();
        var candidate = JsonDocument.Parse(File.ReadAllText(PolicyFixtures.ShippedPolicyPath)).RootElement.Clone();
        var broken = File.ReadAllText(PolicyFixtures.ShippedPolicyPath).Replace("\"device\": 20", "\"device\": 99");
        using var rejected = await policy.PostAsync("/v1/decisions/simulate", new StringContent(
            $"{{\"request\": {Json(Request())}, \"policy\": {broken}}}", Encoding.UTF8, "application/json"));
        using var againstCandidate = await policy.PostAsJsonAsync("/v1/decisions/simulate", new { request = Request(), policy = candidate });

        Assert.Equal(HttpStatusCode.OK, simulated.StatusCode);
        Assert.Equal(84, result.GetProperty("decision").GetProperty("trustScore").GetInt32());
        Assert.Equal(4, result.GetProperty("factorPoints").GetProperty("network").GetDouble(), 3);
        Assert.Equal("untrusted", result.GetProperty("network").GetString());
        Assert.Equal(70, result.GetProperty("threshold").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        var errors = (await rejected.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("policy");
        Assert.Contains("add up to 179", errors[0].GetString());
        // The candidate has no Development overlay: loopback is untrusted there (20 - 4 = 16 points fewer).
        var candidateResult = await againstCandidate.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("2026.11.24-4", candidateResult.GetProperty("decision").GetProperty("policyVersion").GetString());
        Assert.Equal(84, candidateResult.GetProperty("decision").GetProperty("trustScore").GetInt32());
    }

    [Fact]
    public async Task Metrics_expose_evaluations_denials_scores_and_latency_with_their_tags_and_buckets()
    {
        using var policy = fixture.CreateClient("policy");
        (await policy.PostAsJsonAsync("/v1/decisions", Request())).Dispose();
        (await policy.PostAsJsonAsync("/v1/decisions", Request(amr: ["pwd"]))).Dispose();
        (await policy.PostAsJsonAsync("/v1/decisions", Request(type: "x_ray_image"))).Dispose();

        var exposition = await MetricsScrape.ScrapeAsync(fixture, "policy", fresh: true);

        Assert.True(MetricsScrape.Sample(exposition, "healthcare_cms_zero_trust_policy_evaluations_total", ("decision", "allow"), ("resource_type", "patient_consent")) >= 1);
        Assert.True(MetricsScrape.Sample(exposition, "healthcare_cms_zero_trust_policy_evaluations_total", ("decision", "deny"), ("resource_type", "unknown")) >= 1);
        Assert.True(MetricsScrape.Sample(exposition, "healthcare_cms_zero_trust_denials_total", ("reason", "mfa_required")) >= 1);
        Assert.True(MetricsScrape.Sample(exposition, "healthcare_cms_zero_trust_denials_total", ("reason", "unknown_resource_type")) >= 1);
        Assert.All(MetricsScrape.Samples(exposition, "healthcare_cms_zero_trust_denials_total"),
            s => Assert.Contains(s.Labels["reason"], MetricCatalog.Values.DenialReasons));

        var scoreBuckets = MetricsScrape.Samples(exposition, "healthcare_cms_zero_trust_trust_scores_bucket");
        Assert.All(scoreBuckets, s => Assert.Equal(["le"], s.OwnLabels.Keys));
        Assert.Equal(["0", "20", "40", "60", "80", "100", "+Inf"], scoreBuckets.Select(s => s.Labels["le"]));
        Assert.All(MetricsScrape.Samples(exposition, "healthcare_cms_zero_trust_trust_scores_count"), s => Assert.Empty(s.OwnLabels));

        var latencyBuckets = MetricsScrape.Samples(exposition, "healthcare_cms_zero_trust_evaluation_time_seconds_bucket")
            .Select(s => s.Labels["le"]).Where(le => le != "+Inf").Select(le => double.Parse(le, CultureInfo.InvariantCulture));
        Assert.Equal(MetricCatalog.PolicyEvaluationBuckets, latencyBuckets);
        Assert.Contains(0.0001, latencyBuckets);
        Assert.True(MetricsScrape.Sample(exposition, "healthcare_cms_zero_trust_evaluation_time_seconds_count") >= 3);
    }

    private static string Json(object value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);
}
