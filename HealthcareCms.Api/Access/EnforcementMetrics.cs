using System.Diagnostics.Metrics;
using HealthcareCms.ServiceDefaults.Telemetry;

namespace HealthcareCms.Api.Access;

/// <summary>The enforcement point's instrument: protected requests refused because no decision could be had.</summary>
public sealed class EnforcementMetrics
{
    private readonly ContractCounter _failures;

    public EnforcementMetrics(IMeterFactory meterFactory)
    {
        var meter = new ContractMeter(meterFactory, MetricCatalog.Meters.ZeroTrust);
        _failures = meter.Counter("healthcare_cms.zero_trust.enforcement_failures").InitializeAtZero();
    }

    /// <param name="reason">One of <see cref="EnforcementFailures"/>.</param>
    public void Failed(string reason) => _failures.Add(1, new KeyValuePair<string, object?>("reason", reason));
}

/// <summary>Why no decision could be had (the <c>reason</c> label and <see cref="AccessDecision.FailureReason"/>).</summary>
public static class EnforcementFailures
{
    public const string Timeout = "timeout";
    public const string Unavailable = "unavailable";
    public const string CircuitOpen = "circuit_open";
    public const string InvalidResponse = "invalid_response";
}
