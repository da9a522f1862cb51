using HealthcareCms.Bench.Reporting;

namespace HealthcareCms.Bench.Scenarios;

/// <summary>Peak resident set (VmHWM) of each service process the harness ran the loads against.</summary>
public sealed class MemoryScenario : Scenario
{
    public override string Name => "memory";

    public override IReadOnlyList<Figure> Declare() =>
    [
        new("peak_rss_mib_api", "peak RSS, api (telemetry on)", "MiB", [], Target.Max(200, "≤ 200 MiB")),
        new("peak_rss_mib_policy", "peak RSS, policy", "MiB", [], Target.Max(200, "≤ 200 MiB")),
        new("peak_rss_mib_workflows", "peak RSS, workflows", "MiB", [], Target.Max(200, "≤ 200 MiB")),
        new("peak_rss_mib_api_telemetry_off", "peak RSS, api (telemetry off)", "MiB", []),
    ];

    public override Task<IReadOnlyList<Figure>> RunAsync(BenchContext context)
    {
        var services = context.RequireServices();
        const string note = "VmHWM from /proc/<pid>/status at the end of all load runs (a high-water mark: one sample per process)";
        IReadOnlyList<Figure> figures =
        [
            Measured("peak_rss_mib_api", [services.Api.Process.PeakRssMiB()], note: note),
            Measured("peak_rss_mib_policy", [services.Policy.Process.PeakRssMiB()], note: note),
            Measured("peak_rss_mib_workflows", [services.Workflows.Process.PeakRssMiB()], note: note),
            Measured("peak_rss_mib_api_telemetry_off", [services.ApiWithoutTelemetry.Process.PeakRssMiB()],
                baseline: $"api with telemetry {Figure.Format(services.Api.Process.PeakRssMiB())} MiB"),
        ];
        return Task.FromResult(figures);
    }
}
