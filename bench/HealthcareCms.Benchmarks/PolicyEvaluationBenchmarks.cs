using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using HealthcareCms.Policy.Decisions;
using HealthcareCms.Policy.Policies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HealthcareCms.Benchmarks;

/// <summary>
/// In-process policy evaluation (target: p99 ≤ 100 µs per decision) with the shipped policy and its Development
/// overlay: the pure trust algorithm, and a whole decision as the endpoint runs it (id, metrics, decision log).
/// </summary>
[MemoryDiagnoser]
public class PolicyEvaluationBenchmarks
{
    private ServiceProvider _services = null!;
    private CompiledPolicy _policy = null!;
    private PolicyEngine _engine = null!;
    private DecisionRequest _allow = null!;
    private DecisionRequest _deny = null!;

    [GlobalSetup]
    public void Setup()
    {
        var store = new PolicyStore(
            Options.Create(new PolicyOptions { Directory = Path.Combine(AppContext.BaseDirectory, "policies") }),
            new HostingEnvironment { EnvironmentName = "Development" }, NullLogger<PolicyStore>.Instance);
        var compilation = store.Reload();
        if (!compilation.Succeeded)
        {
            throw new InvalidOperationException(string.Join("; ", compilation.Errors));
        }

        _policy = store.Current;
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _engine = new PolicyEngine(store, new PolicyMetrics(_services.GetRequiredService<IMeterFactory>()), NullLogger<PolicyEngine>.Instance);

        const string physician = "7d1f6a52-5b1e-4c47-9a55-3f0cf8d8e001";
        _allow = new DecisionRequest(
            new DecisionSubject(physician, "active", ["physician"], ["pwd", "mfa", "otp"], 300, 0),
            new DecisionResource("patient_consent", "c-100", physician),
            "read",
            new DecisionContext("10.1.2.3", "device-42", true, new DateTimeOffset(2026, 11, 24, 14, 0, 0, TimeSpan.Zero), 10));
        _deny = _allow with { Subject = _allow.Subject! with { Amr = ["pwd"] }, Context = _allow.Context! with { Ip = "203.0.113.7" } };
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true)]
    public Evaluation EvaluateAllow() => TrustEvaluator.Evaluate(_policy, _allow);

    [Benchmark]
    public Evaluation EvaluateDeny() => TrustEvaluator.Evaluate(_policy, _deny);

    [Benchmark]
    public DecisionResponse DecideAllowWithMetricsAndLog() => _engine.Decide(_allow);

    [Benchmark]
    public DecisionResponse DecideDenyWithMetricsAndLog() => _engine.Decide(_deny);
}
