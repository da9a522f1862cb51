namespace HealthcareCms.Workflows.Queue;

/// <summary><c>Workflows:Queue</c>: leases, retries, polling and shutdown of the job queue.</summary>
public sealed class QueueOptions
{
    public const string Section = "Workflows:Queue";

    /// <summary>How long a claim is valid without renewal; a crashed worker's job is reclaimed after it.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a running job's lease is renewed (well under <see cref="LeaseDuration"/>).</summary>
    public TimeSpan LeaseRenewalInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Fallback poll when no <c>workflow_jobs</c> notification arrives.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Attempts (claims) before a job goes to <c>dead_letter</c>.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Delay before the 2nd attempt; doubles per attempt up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Concurrent claim loops in this process (the pipeline is CPU-bound: one per core).</summary>
    public int Workers { get; set; } = Environment.ProcessorCount;

    /// <summary>How long shutdown waits for in-flight jobs (the host's ShutdownTimeout is set to it).</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How often the queue-health gauges are refreshed (one query per refresh).</summary>
    public TimeSpan HealthRefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Development/testing only (unset in production): a job whose title contains this marker is held,
    /// lease renewed, for <see cref="HoldDuration"/> on its FIRST attempt after its stages ran and before
    /// its result is written, so a crash test can kill the worker in the middle of the job.
    /// </summary>
    public string? HoldMarker { get; set; }

    public TimeSpan HoldDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Delay before attempt <paramref name="attempts"/> + 1: base × 2^(attempts − 1), capped.</summary>
    public TimeSpan Backoff(int attempts)
    {
        var factor = Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        return TimeSpan.FromTicks((long)Math.Min(RetryBaseDelay.Ticks * factor, RetryMaxDelay.Ticks));
    }
}
