using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace HealthcareCms.Tests.ZeroTrust;

/// <summary>
/// A real local HTTP server standing in for the policy service on the network (Kestrel on a free loopback
/// port): it records each decision request body and answers as the test sets it up.
/// </summary>
public sealed class PolicyStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<JsonElement> _requests = [];

    private PolicyStandIn(WebApplication app) => _app = app;

    public Func<JsonElement, Task<IResult>> Respond { get; set; } = _ => Task.FromResult(Allow());

    public Uri Url => new(_app.Urls.First());

    public IReadOnlyList<JsonElement> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public void Clear()
    {
        lock (_requests)
        {
            _requests.Clear();
        }
    }

    public static async Task<PolicyStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var standIn = new PolicyStandIn(app);
        app.MapPost("/v1/decisions", async (JsonElement body) =>
        {
            lock (standIn._requests)
            {
                standIn._requests.Add(body.Clone());
            }

            return await standIn.Respond(body);
        });
        await app.StartAsync();
        return standIn;
    }

    public static IResult Allow(string decisionId = "d-allow-1") =>
        Results.Json(new { decisionId, decision = "allow", trustScore = 100, reasons = new[] { "policy_satisfied" }, policyVersion = "t-1", obligations = Array.Empty<string>() });

    public static IResult Deny(string decisionId = "d-deny-1", string reason = "mfa_required") =>
        Results.Json(new { decisionId, decision = "deny", trustScore = 82, reasons = new[] { reason }, policyVersion = "t-1", obligations = Array.Empty<string>() });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
