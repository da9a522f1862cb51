using System.Diagnostics;
using Aspire.Hosting.Testing;
using System.Text.RegularExpressions;
using HealthcareCms.Bench.Scenarios;
using HealthcareCms.Tests.Infrastructure;

namespace HealthcareCms.Tests.Bench;

/// <summary>
/// Runs the benchmark harness end to end in smoke mode (every scenario for a second or two, one run) against
/// the fixture's PostgreSQL, so the harness cannot rot: every declared figure appears in both outputs, the
/// ones this build can measure are measured, and each one it cannot is reported with its reason.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed partial class BenchSmokeTests(AppHostFixture fixture)
{
    /// <summary>
    /// Figures this build can measure (their capabilities are merged): all but start-up, which this run
    /// reports as not measured because it is given the fixture's PostgreSQL instead of starting the AppHost.
    /// </summary>
    private static readonly string[] AlwaysMeasured =
    [
        "ceiling_rps", "ceiling_p99_ms", "public_rps", "public_p99_ms", "public_errors", "telemetry_ratio_public",
        "protected_p99_ms", "protected_errors", "telemetry_ratio_phi",
        "policy_eval_p99_us", "policy_roundtrip_p99_ms", "policy_roundtrip_errors",
        "workflow_posts_per_s", "workflow_p99_s", "wasm_call_us",
        "scrape_ms_api", "scrape_kib_api", "scrape_ms_policy", "scrape_kib_policy", "scrape_ms_workflows", "scrape_kib_workflows",
        "peak_rss_mib_api", "peak_rss_mib_policy", "peak_rss_mib_workflows", "peak_rss_mib_api_telemetry_off",
    ];

    [Fact]
    public async Task Smoke_run_reports_every_figure_in_well_formed_outputs()
    {
        var output = Path.Combine(Path.GetTempPath(), $"hcms-bench-smoke-{Guid.NewGuid():N}");
        var connectionString = await fixture.App.GetConnectionStringAsync("cmsdb")
            ?? throw new InvalidOperationException("no cmsdb connection string");

        var (exitCode, log) = await RunHarnessAsync(["--mode", "smoke", "--no-build", "--out", output, "--connection-string", connectionString]);

        Assert.True(exitCode == 0, $"the harness failed ({exitCode}):\n{log}");
        var text = await File.ReadAllTextAsync(Path.Combine(output, "latest.txt"));
        var markdown = await File.ReadAllTextAsync(Path.Combine(output, "latest.md"));
        var values = text.TrimEnd('\n').Split('\n').Select(line =>
        {
            var match = MachineLine().Match(line);
            Assert.True(match.Success, $"not a 'key: value' line: '{line}'");
            return (Key: match.Groups[1].Value, Value: match.Groups[2].Value);
        }).ToDictionary(p => p.Key, p => p.Value);

        var declared = new Scenario[]
            {
                new StartupScenario(), new ThroughputScenario(), new ProtectedScenario(), new PolicyScenario(),
                new WorkflowScenario(), new ScrapeScenario(), new MemoryScenario(),
            }
            .SelectMany(s => s.Declare()).Select(f => f.Key).ToList();
        Assert.Equal(declared.Order(), values.Keys.Order());
        Assert.Contains("| figure | median | min–max | baseline (same run) | ratio | target | result |", markdown);
        foreach (var key in declared)
        {
            var row = markdown.Split('\n').SingleOrDefault(l => l.StartsWith($"| `{key}` ", StringComparison.Ordinal));
            Assert.True(row is not null, $"no table row for {key}");
            Assert.Equal(8, row.Count(c => c == '|'));
            if (values[key] == "NA")
            {
                Assert.Contains("not measured: ", row);
                Assert.DoesNotContain("not measured: failed", row);
            }
        }

        foreach (var key in AlwaysMeasured)
        {
            // A measured figure is positive; only the error counts may be 0.
            Assert.True(double.TryParse(values[key], System.Globalization.CultureInfo.InvariantCulture, out var value)
                && (key.EndsWith("_errors", StringComparison.Ordinal) ? value >= 0 : value > 0),
                $"{key} was not measured: {values[key]}\n{log}");
        }

        Assert.Equal("0.000", values["public_errors"]);
        Assert.Equal("0.000", values["policy_roundtrip_errors"]);
        Assert.Equal("0.000", values["protected_errors"]);
        Assert.Equal("NA", values["startup_fresh_s"]);
        Assert.Contains("--connection-string", markdown);

        var png = Path.Combine(output, "latest.png");
        var chart = File.Exists(png) ? png : Path.Combine(output, "latest.svg");
        var header = (await File.ReadAllBytesAsync(chart)).Take(4).ToArray();
        Assert.True(File.Exists(png) ? header.SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47 }) : header.SequenceEqual("<svg"u8.ToArray()));

        Directory.Delete(output, recursive: true);
    }

    private static async Task<(int ExitCode, string Log)> RunHarnessAsync(string[] args)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var harness = Repository.PathOf("bench", "HealthcareCms.Bench", "bin", configuration, "net10.0", "HealthcareCms.Bench.dll");
        var startInfo = new ProcessStartInfo("dotnet", [harness, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repository.Root,
        };
        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(4));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"^([a-z0-9_]+): (NA|\d+(?:\.\d+)?)$")]
    private static partial Regex MachineLine();
}
