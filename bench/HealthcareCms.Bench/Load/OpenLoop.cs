using System.Diagnostics;

namespace HealthcareCms.Bench.Load;

/// <summary>One fixed-rate run: latency from the intended send time (coordinated-omission aware).</summary>
public sealed record OpenLoopResult(
    double TargetRate,
    double AchievedRate,
    long Requests,
    long Errors,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    double ServiceP99Ms,
    double DispatchLagP99Ms,
    string? FirstError);

/// <summary>
/// An open-loop load generator: request <c>i</c> is due at <c>start + i / rate</c> whatever happened to the
/// earlier ones, and its latency is measured from that intended time, so a stalled server is charged for
/// every request it delayed (no coordinated omission, like wrk2). A dispatcher thread wakes every
/// millisecond and sends every request that is due; how late it sent them is reported separately
/// (<see cref="OpenLoopResult.DispatchLagP99Ms"/>), as is the latency from the actual send
/// (<see cref="OpenLoopResult.ServiceP99Ms"/>).
/// </summary>
public static class OpenLoop
{
    /// <param name="send">Sends one request; returns null on success or a short error description.</param>
    public static async Task<OpenLoopResult> RunAsync(
        double rate, TimeSpan duration, TimeSpan warmup, Func<long, Task<string?>> send)
    {
        var total = (long)(rate * (duration + warmup).TotalSeconds);
        var warmupCount = (long)(rate * warmup.TotalSeconds);
        var intended = new double[total];
        var latency = new double[total];
        var service = new double[total];
        var lag = new double[total];
        var errors = 0L;
        string? firstError = null;
        var pending = new Task[total];
        var clock = Stopwatch.StartNew();
        var ticksPerMs = Stopwatch.Frequency / 1000d;

        async Task SendOne(long i, double dueMs)
        {
            var sentAt = clock.ElapsedTicks / ticksPerMs;
            string? error;
            try
            {
                error = await send(i);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                error = ex.GetType().Name;
            }

            var doneAt = clock.ElapsedTicks / ticksPerMs;
            latency[i] = doneAt - dueMs;
            service[i] = doneAt - sentAt;
            lag[i] = sentAt - dueMs;
            if (error is not null && i >= warmupCount)
            {
                Interlocked.Increment(ref errors);
                Interlocked.CompareExchange(ref firstError, error, null);
            }
        }

        var dispatcher = new Thread(() =>
        {
            for (long i = 0; i < total; i++)
            {
                var dueMs = i * 1000d / rate;
                intended[i] = dueMs;
                while (clock.ElapsedTicks / ticksPerMs < dueMs)
                {
                    Thread.Sleep(1);
                }

                pending[i] = SendOne(i, dueMs);
            }
        })
        { IsBackground = true, Name = "open-loop dispatcher", Priority = ThreadPriority.AboveNormal };
        dispatcher.Start();
        await Task.Run(dispatcher.Join);
        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(60));
        var elapsedMs = clock.ElapsedTicks / ticksPerMs - intended[warmupCount];

        var measured = latency.AsSpan((int)warmupCount).ToArray();
        Array.Sort(measured);
        var serviceMeasured = service.AsSpan((int)warmupCount).ToArray();
        Array.Sort(serviceMeasured);
        var lagMeasured = lag.AsSpan((int)warmupCount).ToArray();
        Array.Sort(lagMeasured);
        return new OpenLoopResult(
            rate,
            measured.Length / (elapsedMs / 1000),
            measured.Length,
            errors,
            Stats.Percentile(measured, 0.50),
            Stats.Percentile(measured, 0.99),
            measured[^1],
            Stats.Percentile(serviceMeasured, 0.99),
            Stats.Percentile(lagMeasured, 0.99),
            firstError);
    }
}

public static class Stats
{
    /// <summary>Nearest-rank percentile of an already sorted array.</summary>
    public static double Percentile(double[] sorted, double quantile)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(quantile * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
