using System.Security.Claims;
using System.Text.Json;
using HealthcareCms.Api.Access;
using HealthcareCms.Api.Identity;
using HealthcareCms.Api.Audit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HealthcareCms.Tests.ZeroTrust;

/// <summary>
/// <c>.RequireAccess(type, action)</c> on a real Kestrel route, the real decider asking a local stand-in for
/// the policy service. The caller's identity is set by a test middleware in place of identity's JwtBearer;
/// audit entries go to an in-memory <see cref="IAuditTrail"/> (the database one belongs to identity/content).
/// </summary>
public sealed class RequireAccessTests : IAsyncLifetime
{
    private readonly List<AuditEntry> _audit = [];
    private PolicyStandIn _policy = null!;
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _policy = await PolicyStandIn.StartAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<IAuditTrail>(new RecordingAuditTrail(_audit));
        builder.Services.Configure<AccessOptions>(o =>
        {
            o.PolicyServiceUrl = _policy.Url;
            o.DecisionTimeout = TimeSpan.FromSeconds(3);
        });
        builder.Services.AddAccessEnforcementServices();
        _app = builder.Build();
        _app.Use((context, next) =>
        {
            if (context.Request.Headers.TryGetValue("x-test-user", out var user))
            {
                context.User = new ClaimsPrincipal(new ClaimsIdentity(
                    [new Claim("sub", user.ToString()), new Claim("role", "dpo"), new Claim("amr", "mfa")], "Test", "sub", "role"));
                // What the Api's session check sets for a live session.
                context.Features.Set(new SubjectStanding(Disabled: false, RecentFailedLogins: 0));
            }

            return next(context);
        });
        _app.MapGet("/audit", () => "entries").RequireAccess(ResourceTypes.AuditLog, "list");
        await _app.StartAsync();
        _client = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
        await _policy.DisposeAsync();
    }

    [Fact]
    public async Task Allowed_runs_the_handler_and_audits_the_decision_id()
    {
        _policy.Respond = _ => Task.FromResult(PolicyStandIn.Allow("d-77"));

        using var response = await SendAsync(user: Guid.NewGuid());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("entries", await response.Content.ReadAsStringAsync());
        var sent = Assert.Single(_policy.Requests);
        Assert.Equal(("audit_log", "list"), (sent.GetProperty("resource").GetProperty("type").GetString(), sent.GetProperty("action").GetString()));
        var entry = Assert.Single(_audit);
        Assert.Equal(("audit_log", "read", AuditOutcomes.Success, "d-77"), (entry.ResourceType, entry.Action, entry.Outcome, entry.DecisionId));
    }

    [Fact]
    public async Task Denied_is_a_403_problem_with_the_decision_and_is_audited()
    {
        _policy.Respond = _ => Task.FromResult(PolicyStandIn.Deny("d-78", "untrusted_network"));

        using var response = await SendAsync(user: Guid.NewGuid());

        var problem = await ProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal("d-78", problem.GetProperty("decisionId").GetString());
        Assert.Equal(["untrusted_network"], problem.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal((AuditOutcomes.Denied, "d-78"), (_audit.Single().Outcome, _audit.Single().DecisionId));
    }

    [Fact]
    public async Task No_decision_is_a_503_problem_naming_the_reason()
    {
        _policy.Respond = _ => Task.FromResult(Results.StatusCode(503));

        using var response = await SendAsync(user: Guid.NewGuid());

        var problem = await ProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("unavailable", problem.GetProperty("failureReason").GetString());
        Assert.Contains("unavailable", problem.GetProperty("detail").GetString());
        // Audited as a failure (no decision), not as a denial; no decision id.
        Assert.Equal((AuditOutcomes.Failure, (string?)null), (_audit.Single().Outcome, _audit.Single().DecisionId));
    }

    [Fact]
    public async Task Anonymous_is_a_401_problem_and_the_policy_service_is_not_asked()
    {
        using var response = await SendAsync(user: null);

        await ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Empty(_policy.Requests);
    }

    private Task<HttpResponseMessage> SendAsync(Guid? user)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/audit");
        if (user is not null)
        {
            request.Headers.Add("x-test-user", user.ToString());
        }

        return _client.SendAsync(request);
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private sealed class RecordingAuditTrail(List<AuditEntry> entries) : IAuditTrail
    {
        public Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken)
        {
            lock (entries)
            {
                entries.Add(entry);
            }

            return Task.CompletedTask;
        }
    }
}
