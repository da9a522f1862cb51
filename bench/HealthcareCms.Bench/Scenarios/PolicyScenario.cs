using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using HealthcareCms.Bench.Load;
using HealthcareCms.Bench.Reporting;
using HealthcareCms.Policy.Decisions;
using HealthcareCms.Policy.Policies;

namespace HealthcareCms.Bench.Scenarios;

/// <summary>
/// The policy decision point: in-process evaluation timed call by call (a true p99, not a mean), and the
/// HTTP round trip to the policy service (<c>POST /v1/decisions</c>) at a fixed 1,000 req/s, open-loop.
/// </summary>
public sealed class PolicyScenario : Scenario
{
    public override string Name => "policy";

    public override IReadOnlyList<Figure> Declare() =>
    [
        new("policy_eval_p99_us", "policy: in-process evaluation p99", "µs", [], Target.Max(100, "≤ 100 µs")),
        new("policy_roundtrip_p99_ms", "policy: HTTP round trip p99 at fixed rate", "ms", [], Target.Max(3, "≤ 3 ms")),
        new("policy_roundtrip_errors", "policy: round-trip errors", "count", [], Target.Max(0, "0")),
    ];

    /// <summary>A physician with an MFA session on a managed device reading a patient consent: their own
    /// (allowed by the shipped policy) or a colleague's (denied: not the owner).</summary>
    public static DecisionRequest SampleRequest(bool owner = true)
    {
        var subject = Guid.NewGuid().ToString();
        return new DecisionRequest(
            new DecisionSubject(subject, "active", ["physician"], ["pwd", "mfa", "otp"], SessionAgeSeconds: 300, RecentFailedLogins: 0),
            new DecisionResource("patient_consent", Guid.NewGuid().ToString(), owner ? subject : Guid.NewGuid().ToString()),
            "read",
            new DecisionContext("10.0.0.10", "bench-device", DeviceManaged: true, new DateTimeOffset(2026, 11, 24, 14, 0, 0, TimeSpan.Zero), RequestRatePerMinute: 12));
    }

    public override async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context)
    {
        var options = context.Options;
        var evaluations = new List<(double P50, double P99)>();
        for (var run = 0; run < 3; run++)
        {
            evaluations.Add(EvaluateInProcess(options.PolicyEvaluations));
        }

        var services = context.RequireServices();
        var url = services.Policy.PublicUrl + "/v1/decisions";
        var body = JsonSerializer.SerializeToUtf8Bytes(SampleRequest(), JsonSerializerOptions.Web);
        using var http = Infrastructure.Http.CreateClient();
        var roundTrips = new List<OpenLoopResult>();
        for (var run = 0; run < options.OpenLoopRuns; run++)
        {
            var result = await OpenLoop.RunAsync(options.OpenLoopRate, options.OpenLoopDuration, options.WarmupDuration, async _ =>
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await http.PostAsync(url, content);
                await response.Content.ReadAsByteArrayAsync();
                return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
            });
            roundTrips.Add(result);
            context.Log($"policy round trip run {run + 1}: {result.AchievedRate:F0} req/s, p99 {result.P99Ms:F2} ms (service p99 {result.ServiceP99Ms:F2}, dispatch lag p99 {result.DispatchLagP99Ms:F2}), errors {result.Errors}");
        }

        return
        [
            Measured("policy_eval_p99_us", evaluations.Select(e => e.P99).ToList(),
                note: $"PolicyEngine.Decide with the shipped policy.json (evaluation, decision id, metrics, decision log; no exporter attached), allow and deny alternating, {options.PolicyEvaluations:N0} calls per run after 20,000 warm-up calls, each timed; p50 {Figure.Format(Stats.Median(evaluations.Select(e => e.P50).ToList()))} µs"),
            Measured("policy_roundtrip_p99_ms", roundTrips.Select(r => r.P99Ms).ToList(),
                note: $"open loop at {options.OpenLoopRate:F0} req/s from the harness to the policy service (the hop the Api makes), latency from the intended send time; " +
                      $"p50 {Figure.Format(Stats.Median(roundTrips.Select(r => r.P50Ms).ToList()))} ms, dispatch lag p99 {Figure.Format(Stats.Median(roundTrips.Select(r => r.DispatchLagP99Ms).ToList()))} ms" +
                      (roundTrips.FirstOrDefault(r => r.FirstError is not null)?.FirstError is { } error ? $"; first error: {error}" : "")),
            Measured("policy_roundtrip_errors", [roundTrips.Sum(r => r.Errors)]),
        ];
    }

    /// <summary>
    /// The policy service's own engine (<see cref="PolicyEngine.Decide"/>: trust evaluation, decision id, metrics,
    /// decision log) with its shipped <c>policies/policy.json</c>, built from its own registrations. Each call is
    /// timed with the high-resolution clock; returns (p50, p99) in microseconds.
    /// </summary>
    public static (double P50, double P99) EvaluateInProcess(int count)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Production });
        builder.Configuration[$"{PolicyOptions.Section}:{nameof(PolicyOptions.Directory)}"] =
            Path.Combine(Infrastructure.BenchPaths.Root, "HealthcareCms.Policy", "policies");
        builder.Configuration["InternalIdentity:SigningKey"] = Infrastructure.ServiceSettings.Environment["InternalIdentity__SigningKey"];
        builder.Services.AddLogging();
        builder.Services.AddMetrics();
        builder.AddPolicyDecisions();
        using var host = builder.Build();
        var store = host.Services.GetRequiredService<PolicyStore>();
        if (store.Reload().Policy is null || !store.IsLoaded)
        {
            throw new InvalidOperationException($"policy.json did not load: {string.Join("; ", store.LastErrors)}");
        }

        var engine = host.Services.GetRequiredService<PolicyEngine>();
        var requests = Enumerable.Range(0, 64).Select(i => SampleRequest(owner: i % 2 == 0)).ToArray();
        if (engine.Decide(requests[0]).Decision != "allow" || engine.Decide(requests[1]).Decision != "deny")
        {
            throw new InvalidOperationException("the sample requests do not give one allow and one deny with the shipped policy");
        }

        for (var i = 0; i < 20_000; i++)
        {
            engine.Decide(requests[i % requests.Length]);
        }

        var samples = new double[count];
        var toMicroseconds = 1_000_000d / Stopwatch.Frequency;
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            engine.Decide(requests[i % requests.Length]);
            samples[i] = (Stopwatch.GetTimestamp() - started) * toMicroseconds;
        }

        Array.Sort(samples);
        return (Stats.Percentile(samples, 0.50), Stats.Percentile(samples, 0.99));
    }
}
