using System.Text.Json;
using HealthcareCms.Bench.Infrastructure;
using HealthcareCms.Bench.Load;
using HealthcareCms.Bench.Reporting;

namespace HealthcareCms.Bench.Scenarios;

/// <summary>
/// The protected path: an authenticated PHI read (<c>GET /api/patient-consents/{id}</c>) through the
/// enforcement point (policy decision), the audit write and the database, at a fixed 1,000 req/s (open loop),
/// and the telemetry tax on it (closed loop, paired with the telemetry-off Api). Needs identity, content (PHI)
/// and policy enforcement in the Api; the Api's own OpenAPI document says whether they are there.
/// </summary>
public sealed class ProtectedScenario : Scenario
{
    /// <summary>Requests per second per physician: 480 a minute, under the policy's 600-a-minute ceiling.</summary>
    public const double PerReaderRate = 8;

    public override string Name => "protected";

    public override IReadOnlyList<Figure> Declare() =>
    [
        new("protected_p99_ms", "protected PHI read p99 at fixed rate (enforcement + audit + DB)", "ms", [], Target.Max(20, "≤ 20 ms")),
        new("protected_errors", "protected PHI read errors", "count", [], Target.Max(0, "0")),
        new("telemetry_ratio_phi", "telemetry tax, PHI read: throughput on ÷ off", "ratio", [], Target.Min(0.97, "≥ 0.97")),
    ];

    public override async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context)
    {
        var services = context.RequireServices();
        var paths = await ApiPathsAsync(context.Http, services.Api.PublicUrl);
        var missing = PhiSession.RequiredRoutes.Where(route => !paths.Contains(route)).ToList();
        if (missing.Count > 0)
        {
            return NotMeasured($"the Api in this build lacks {string.Join(", ", missing)} (identity, content/PHI and policy enforcement not all merged); " +
                               "the fixed-rate generator it needs is in place (see policy_roundtrip_p99_ms)");
        }

        var options = context.Options;
        var readerCount = (int)Math.Ceiling(options.OpenLoopRate / PerReaderRate);
        var readers = await PhiSession.CreateReadersAsync(context.Http, services.Api.PublicUrl, readerCount, ServiceSettings.AdminEmail, ServiceSettings.AdminPassword);
        context.Log($"PHI readers ready: {readers.Count} physicians with MFA sessions, each with a consent");
        var script = Path.Combine(BenchPaths.WorkDirectory, "phi-readers.lua");
        await File.WriteAllTextAsync(script, PhiSession.WrkScript(readers));
        await CheckReadableAsync(context.Http, services.Api.PublicUrl, readers[0]);
        await CheckReadableAsync(context.Http, services.ApiWithoutTelemetry.PublicUrl, readers[0]);

        var onUrl = services.Api.PublicUrl + "/";
        var offUrl = services.ApiWithoutTelemetry.PublicUrl + "/";
        foreach (var url in new[] { onUrl, offUrl })
        {
            await Wrk.RunAsync(url, options.WarmupDuration, BenchOptions.Connections, script: script);
        }

        var pairs = new List<(WrkResult On, WrkResult Off)>();
        for (var round = 0; round < Math.Min(options.Rounds, 3); round++)
        {
            WrkResult on, off;
            if (round % 2 == 0)
            {
                on = await Wrk.RunAsync(onUrl, options.WrkDuration, BenchOptions.Connections, script: script);
                off = await Wrk.RunAsync(offUrl, options.WrkDuration, BenchOptions.Connections, script: script);
            }
            else
            {
                off = await Wrk.RunAsync(offUrl, options.WrkDuration, BenchOptions.Connections, script: script);
                on = await Wrk.RunAsync(onUrl, options.WrkDuration, BenchOptions.Connections, script: script);
            }

            pairs.Add((on, off));
            context.Log($"PHI read round {round + 1}: on {on.RequestsPerSecond:F0} req/s ({on.Errors} errors), off {off.RequestsPerSecond:F0} req/s ({off.Errors} errors)");
        }

        using var http = Http.CreateClient();
        var fixedRate = new List<OpenLoopResult>();
        for (var run = 0; run < options.OpenLoopRuns; run++)
        {
            var result = await OpenLoop.RunAsync(options.OpenLoopRate, options.OpenLoopDuration, options.WarmupDuration, async i =>
            {
                var reader = readers[(int)(i % readers.Count)];
                using var request = new HttpRequestMessage(HttpMethod.Get, services.Api.PublicUrl + reader.ConsentPath);
                reader.Authorize(request);
                using var response = await http.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
            });
            fixedRate.Add(result);
            context.Log($"PHI read fixed rate run {run + 1}: {result.AchievedRate:F0} req/s, p99 {result.P99Ms:F2} ms (service p99 {result.ServiceP99Ms:F2}, dispatch lag p99 {result.DispatchLagP99Ms:F2}), errors {result.Errors}");
        }

        var offRps = Stats.Median(pairs.Select(p => p.Off.RequestsPerSecond).ToList());
        var firstError = fixedRate.FirstOrDefault(r => r.FirstError is not null)?.FirstError;
        return
        [
            Measured("protected_p99_ms", fixedRate.Select(r => r.P99Ms).ToList(),
                note: $"GET /api/patient-consents/{{id}} by {readers.Count} physicians (MFA sessions, managed devices, {PerReaderRate:F0} req/s each: the policy denies a subject above 600/min), open loop at {options.OpenLoopRate:F0} req/s, latency from the intended send time; " +
                      $"p50 {Figure.Format(Stats.Median(fixedRate.Select(r => r.P50Ms).ToList()))} ms, service-time p99 {Figure.Format(Stats.Median(fixedRate.Select(r => r.ServiceP99Ms).ToList()))} ms, " +
                      $"dispatch lag p99 {Figure.Format(Stats.Median(fixedRate.Select(r => r.DispatchLagP99Ms).ToList()))} ms" + (firstError is null ? "" : $"; first error: {firstError}")),
            Measured("protected_errors", [fixedRate.Sum(r => r.Errors)]),
            Measured("telemetry_ratio_phi", pairs.Select(p => p.On.RequestsPerSecond / p.Off.RequestsPerSecond).ToList(),
                baseline: $"telemetry off {Figure.Format(offRps)} req/s",
                note: $"wrk -c{BenchOptions.Connections}, each request as the next of the {readers.Count} physicians (Lua script), pairs alternating order; non-2xx + socket errors on/off: {pairs.Sum(p => p.On.Errors)}/{pairs.Sum(p => p.Off.Errors)}"),
        ];
    }

    public static async Task<IReadOnlyList<string>> ApiPathsAsync(HttpClient http, string apiUrl)
    {
        var document = await http.GetFromJsonAsync<JsonElement>(apiUrl + "/openapi/v1.json");
        return document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
    }

    /// <summary>The first read through each Api (retried while it fails closed with 503 on a cold policy client).</summary>
    private static async Task CheckReadableAsync(HttpClient http, string apiUrl, PhiReader reader)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, apiUrl + reader.ConsentPath);
            reader.Authorize(request);
            using var response = await http.SendAsync(request);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            if (response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable || attempt == 5)
            {
                throw new InvalidOperationException($"the PHI read answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500 * attempt));
        }
    }
}
