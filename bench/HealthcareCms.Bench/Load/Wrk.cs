using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace HealthcareCms.Bench.Load;

/// <summary>One closed-loop wrk run: throughput and the latency distribution (<c>--latency</c>).</summary>
public sealed record WrkResult(double RequestsPerSecond, double P50Ms, double P75Ms, double P90Ms, double P99Ms, long Requests, long Errors);

/// <summary>
/// Runs wrk (apt package <c>wrk</c>): a fixed number of connections each sending the next request as soon as
/// the previous answered. Its latency percentiles are closed-loop (they hide queueing a fixed-rate client
/// would see); the fixed-rate scenarios use <see cref="OpenLoop"/> instead.
/// </summary>
public static partial class Wrk
{
    public static bool IsInstalled() => File.Exists("/usr/bin/wrk") || File.Exists("/usr/local/bin/wrk");

    public static async Task<WrkResult> RunAsync(
        string url, TimeSpan duration, int connections = 50, int threads = 2, string? script = null)
    {
        var startInfo = new ProcessStartInfo("wrk")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "-t", threads.ToString(CultureInfo.InvariantCulture),
                     "-c", connections.ToString(CultureInfo.InvariantCulture),
                     "-d", $"{Math.Max(1, (int)duration.TotalSeconds)}s",
                     "--timeout", "5s",
                     "--latency",
                 })
        {
            startInfo.ArgumentList.Add(arg);
        }

        if (script is not null)
        {
            startInfo.ArgumentList.Add("-s");
            startInfo.ArgumentList.Add(script);
        }

        startInfo.ArgumentList.Add(url);
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("wrk did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(duration + TimeSpan.FromSeconds(30));
        var output = await stdout;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrk failed ({process.ExitCode}): {output}{await stderr}");
        }

        return Parse(output);
    }

    public static WrkResult Parse(string output)
    {
        double Percentile(string p) =>
            Regex.Match(output, $@"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline) is { Success: true } m
                ? ToMilliseconds(m.Groups[1].Value, m.Groups[2].Value)
                : throw new FormatException($"wrk output has no {p}% latency:\n{output}");

        var rps = RequestsPerSecond().Match(output);
        var requests = RequestCount().Match(output);
        if (!rps.Success || !requests.Success)
        {
            throw new FormatException($"wrk output has no throughput:\n{output}");
        }

        long errors = 0;
        if (SocketErrors().Match(output) is { Success: true } socket)
        {
            errors += Enumerable.Range(1, 4).Sum(i => long.Parse(socket.Groups[i].Value, CultureInfo.InvariantCulture));
        }

        if (Non2xx().Match(output) is { Success: true } non2xx)
        {
            errors += long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        return new WrkResult(
            double.Parse(rps.Groups[1].Value, CultureInfo.InvariantCulture),
            Percentile("50"), Percentile("75"), Percentile("90"), Percentile("99"),
            long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture),
            errors);
    }

    private static double ToMilliseconds(string value, string unit)
    {
        var number = double.Parse(value, CultureInfo.InvariantCulture);
        return unit switch
        {
            "us" => number / 1000,
            "ms" => number,
            _ => number * 1000,
        };
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex RequestCount();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrors();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex Non2xx();
}
