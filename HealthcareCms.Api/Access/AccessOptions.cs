namespace HealthcareCms.Api.Access;

public sealed class AccessOptions
{
    public const string Section = "Access";

    /// <summary>The policy service (resolved by service discovery).</summary>
    public Uri PolicyServiceUrl { get; set; } = new("http://policy");

    /// <summary>How long a policy call may take before the request fails closed (timeout ≤ 200 ms).</summary>
    public TimeSpan DecisionTimeout { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long an ALLOW is reused for an identical request (denials are never cached).</summary>
    public TimeSpan AllowCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The circuit opens when this share of calls failed in <see cref="CircuitSamplingDuration"/>…</summary>
    public double CircuitFailureRatio { get; set; } = 0.5;

    /// <summary>…with at least this many calls in it…</summary>
    public int CircuitMinimumThroughput { get; set; } = 5;

    public TimeSpan CircuitSamplingDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>…and stays open (every protected request fails closed at once) this long.</summary>
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromSeconds(5);
}
