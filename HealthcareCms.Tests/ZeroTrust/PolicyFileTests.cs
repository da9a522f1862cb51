using System.Text.Json.Nodes;
using HealthcareCms.Policy.Policies;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace HealthcareCms.Tests.ZeroTrust;

public sealed class PolicyFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("hcms-policy-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Shipped_policy_and_overlay_are_valid_and_cover_every_resource_type()
    {
        var policy = PolicyFixtures.ShippedDevelopment;

        Assert.Equal("2026.11.24-4+development", policy.Version);
        Assert.Equal(
            ["audit_log", "lgpd_request", "patient_consent", "policy_admin", "post_draft", "post_public", "subscriber_data", "user_admin", "workflow_status"],
            policy.Resources.Keys.Order());
        Assert.Empty(PolicyFixtures.Compile(PolicyFixtures.ShippedPolicyJson).TrustedNetworks);
    }

    public static TheoryData<string, Action<JsonObject>, string> BrokenDocuments() => new()
    {
        { "weights do not add up", d => d["weights"]!["device"] = 25, "weights: the weights must add up to 100 (they add up to 105)" },
        { "negative weight", d => { d["weights"]!["device"] = -5; d["weights"]!["network"] = 45; }, "weights: every weight must be 0 or more" },
        { "bad CIDR", d => d["trustedNetworks"] = new JsonArray("10.0.0.1/8"), "trustedNetworks[0]: '10.0.0.1/8' is not a CIDR range" },
        { "unknown resource type", d => d["resources"]!["x_ray"] = d["resources"]!["post_public"]!.DeepClone(), "resources.x_ray: unknown resource type" },
        { "unknown role", d => d["resources"]!["post_draft"]!["roles"] = new JsonArray("admin", "janitor"), "resources.post_draft: unknown role 'janitor'" },
        { "owner-only role not permitted", d => d["resources"]!["post_draft"]!["ownerOnlyRoles"] = new JsonArray("dpo"), "resources.post_draft.ownerOnlyRoles: 'dpo' is not in roles" },
        { "threshold over 100", d => d["resources"]!["audit_log"]!["minTrustScore"] = 101, "resources.audit_log.minTrustScore: must be between 0 and 100" },
        { "fraction over 1", d => d["factors"]!["network"]!["untrusted"] = 1.5, "factors.network.untrusted: must be between 0 and 1" },
        { "business hours reversed", d => d["factors"]!["timeOfDay"]!["startHourUtc"] = 23, "factors.timeOfDay: need 0 <= startHourUtc < endHourUtc <= 24" },
        { "missing member", d => d.Remove("weights"), "missing required properties" },
        { "unknown member (a typo)", d => d["resources"]!["post_public"]!["minTrustScor"] = 5, "minTrustScor" },
        { "null list", d => d["trustedNetworks"] = null, "trustedNetworks" },
        { "no actions", d => d["resources"]!["post_public"]!["actions"] = new JsonArray(), "resources.post_public.actions: at least one action" },
        { "null resource rule", d => d["resources"]!["post_public"] = null, "resources.post_public: must be an object" },
        { "null action", d => d["resources"]!["post_public"]!["actions"] = new JsonArray("read", null), "resources.post_public: lists must not contain null" },
        { "null role", d => d["resources"]!["audit_log"]!["roles"] = new JsonArray((JsonNode?)null), "resources.audit_log: lists must not contain null" },
        { "null network", d => d["trustedNetworks"] = new JsonArray((JsonNode?)null), "trustedNetworks[0]: must be a CIDR range, not null" },
    };

    [Theory]
    [MemberData(nameof(BrokenDocuments))]
    public void A_bad_policy_is_rejected_with_a_clear_error(string problem, Action<JsonObject> breakIt, string expectedError)
    {
        var document = JsonNode.Parse(PolicyFixtures.ShippedPolicyJson)!.AsObject();
        breakIt(document);

        var compilation = PolicyCompiler.Compile(document.ToJsonString());

        Assert.False(compilation.Succeeded, problem);
        Assert.Contains(compilation.Errors, e => e.Contains(expectedError, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Malformed_json_is_rejected()
    {
        var compilation = PolicyCompiler.Compile("{ \"version\": ");

        Assert.False(compilation.Succeeded);
        Assert.StartsWith("policy:", Assert.Single(compilation.Errors));
    }

    /// <summary>Before any valid file is loaded the service can only deny (the bootstrap policy knows no resource
    /// type) and reports itself not ready; a loaded file makes it ready.</summary>
    [Fact]
    public async Task Without_a_loaded_policy_everything_is_denied_and_the_service_is_not_ready()
    {
        var store = NewStore(new FakeLogger<PolicyStore>());
        var health = new PolicyLoadedHealthCheck(store);

        var evaluation = HealthcareCms.Policy.Decisions.TrustEvaluator.Evaluate(store.Current, PolicyFixtures.Baseline());

        Assert.False(evaluation.Allowed);
        Assert.Contains("unknown_resource_type", evaluation.Reasons);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, (await health.CheckHealthAsync(new())).Status);

        WritePolicy("v-ready");
        store.Reload();
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, (await health.CheckHealthAsync(new())).Status);
    }

    [Fact]
    public void Store_keeps_the_last_good_policy_when_a_reload_finds_a_bad_file()
    {
        var logger = new FakeLogger<PolicyStore>();
        var store = NewStore(logger);
        Assert.False(store.IsLoaded);
        Assert.Equal(PolicyStore.BootstrapVersion, store.Current.Version);

        WritePolicy("v-good");
        Assert.True(store.Reload().Succeeded);
        Assert.Equal("v-good", store.Current.Version);

        File.WriteAllText(store.PolicyPath, "{ \"version\": \"v-bad\", ");
        var rejected = store.Reload();

        Assert.False(rejected.Succeeded);
        Assert.Equal("v-good", store.Current.Version);
        Assert.NotEmpty(store.LastErrors);
        var log = logger.Collector.LatestRecord;
        Assert.Equal(LogLevel.Error, log.Level);
        Assert.Contains("v-good stays active", log.Message);
    }

    [Fact]
    public void Store_applies_the_environment_overlay()
    {
        var store = NewStore(new FakeLogger<PolicyStore>(), environment: "Staging");
        WritePolicy("v-1");
        File.WriteAllText(Path.Combine(_directory, "policy.Staging.json"), """{ "name": "staging", "trustedNetworks": ["100.64.0.0/10"] }""");

        store.Reload();

        Assert.Equal("v-1+staging", store.Current.Version);
        Assert.True(store.Current.IsTrusted(System.Net.IPAddress.Parse("100.64.1.1")));
        Assert.False(store.Current.IsTrusted(System.Net.IPAddress.Parse("127.0.0.1")));
    }

    [Fact]
    public async Task Watcher_reloads_a_changed_file_and_ignores_a_broken_one()
    {
        var store = NewStore(new FakeLogger<PolicyStore>());
        WritePolicy("v-1");
        using var watcher = new PolicyFileWatcher(store, Options.Create(new PolicyOptions { Directory = _directory, ReloadDelay = TimeSpan.FromMilliseconds(50) }));
        await watcher.StartAsync(CancellationToken.None);
        Assert.Equal("v-1", store.Current.Version);

        WritePolicy("v-2");
        await WaitUntilAsync(() => store.Current.Version == "v-2");

        File.WriteAllText(store.PolicyPath, PolicyFixtures.ShippedPolicyJson.Replace("\"weights\"", "\"wieghts\""));
        await WaitUntilAsync(() => store.LastErrors.Count > 0);
        Assert.Equal("v-2", store.Current.Version);

        WritePolicy("v-3");
        await WaitUntilAsync(() => store.Current.Version == "v-3");
        Assert.Empty(store.LastErrors);
        await watcher.StopAsync(CancellationToken.None);
    }

    private PolicyStore NewStore(ILogger<PolicyStore> logger, string environment = "Production") =>
        new(Options.Create(new PolicyOptions { Directory = _directory }), new HostingEnvironment { EnvironmentName = environment }, logger);

    private void WritePolicy(string version)
    {
        var document = JsonNode.Parse(PolicyFixtures.ShippedPolicyJson)!.AsObject();
        document["version"] = version;
        File.WriteAllText(Path.Combine(_directory, "policy.json"), document.ToJsonString());
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the watcher did not reload within 10 s");
            await Task.Delay(50);
        }
    }
}
