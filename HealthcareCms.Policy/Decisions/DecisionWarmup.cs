using System.Text.Json;
using HealthcareCms.Policy.Policies;
using Microsoft.Extensions.Options;

namespace HealthcareCms.Policy.Decisions;

/// <summary>
/// Runs the decision path once at start (request JSON read with the endpoint's serializer options, trust
/// evaluation, response JSON written), so the first real decision does not pay for JIT compilation against
/// the enforcement point's 200 ms budget. Not a decision: no id, no log entry, no metrics.
/// </summary>
public sealed class DecisionWarmup(PolicyStore store, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) : IHostedService
{
    private const string SampleRequest = """
        {"subject":{"id":"warmup","status":"active","roles":["reader"],"amr":["pwd"],"sessionAgeSeconds":0,"recentFailedLogins":0},
         "resource":{"type":"post_public","id":null,"ownerId":null},"action":"read",
         "context":{"ip":"127.0.0.1","deviceId":null,"deviceManaged":null,"time":"2026-01-01T12:00:00Z","requestRatePerMinute":0}}
        """;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var options = json.Value.SerializerOptions;
        var request = JsonSerializer.Deserialize<DecisionRequest>(SampleRequest, options)!;
        if (DecisionRequestValidator.Validate(request).Count == 0)
        {
            var evaluation = TrustEvaluator.Evaluate(store.Current, request);
            JsonSerializer.Serialize(new DecisionResponse("warmup", "deny", evaluation.TrustScore, evaluation.Reasons, store.Current.Version, []), options);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
