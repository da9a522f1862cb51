using System.Diagnostics;
using HealthcareCms.Bench.Load;
using HealthcareCms.Workflows.Plugins;
using Microsoft.Extensions.Diagnostics.Metrics;

namespace HealthcareCms.Bench.Scenarios;

/// <summary>
/// Per-call cost of the workflows area's own WASM sandbox (<see cref="WasmSandbox.Invoke"/>: a fresh
/// Wasmtime store and instance per call, fuel, epoch deadline, memory limit, result checks). The overhead is
/// measured with a plugin that does no work (it satisfies the ABI and reports no findings); the shipped
/// <c>reading_level</c> plugin on a post body is measured alongside for scale.
/// </summary>
public static class WasmCalls
{
    /// <summary>The plugin ABI with nothing inside: <c>alloc</c> hands out offset 1024, <c>validate</c> points at an empty result.</summary>
    public const string NoOpPlugin = """
        (module
          (memory (export "memory") 1)
          (func (export "alloc") (param i32) (result i32) (i32.const 1024))
          (func (export "validate") (param i32 i32) (result i64)
            (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 4))))
        """;

    public const string PostBody = """
        A hidratação é essencial para pacientes idosos. Beba água ao longo do dia, mesmo sem sede.
        Procure seu médico se tiver tontura, confusão ou redução da urina. Este conteúdo é informativo e
        não substitui a consulta. Referência: Ministério da Saúde, 2024.
        """;

    public sealed record Result(double NoOpP50Us, double NoOpP99Us, double ReadingLevelP50Us);

    public static Result Measure(int calls)
    {
        using var meters = new MeterFactoryHolder();
        using var sandbox = new WasmSandbox(new SandboxLimits(), new WasmMetrics(meters.Factory));
        using var noOp = sandbox.CompileText("bench_noop", NoOpPlugin);
        var readingLevelPath = Path.Combine(Infrastructure.BenchPaths.Root, "HealthcareCms.Workflows", "Plugins", "wat", "reading_level.wat");
        using var readingLevel = sandbox.Compile("reading_level", File.ReadAllBytes(readingLevelPath));
        if (sandbox.Invoke(noOp, PostBody).ErrorType is { } error)
        {
            throw new InvalidOperationException($"the no-op plugin failed in the sandbox: {error}");
        }

        var noOpSamples = Time(sandbox, noOp, calls);
        var readingSamples = Time(sandbox, readingLevel, Math.Max(100, calls / 10));
        return new Result(Stats.Percentile(noOpSamples, 0.50), Stats.Percentile(noOpSamples, 0.99), Stats.Percentile(readingSamples, 0.50));
    }

    private static double[] Time(WasmSandbox sandbox, WasmPlugin plugin, int calls)
    {
        for (var i = 0; i < Math.Min(calls, 500); i++)
        {
            sandbox.Invoke(plugin, PostBody);
        }

        var samples = new double[calls];
        var toMicroseconds = 1_000_000d / Stopwatch.Frequency;
        for (var i = 0; i < calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            sandbox.Invoke(plugin, PostBody);
            samples[i] = (Stopwatch.GetTimestamp() - started) * toMicroseconds;
        }

        Array.Sort(samples);
        return samples;
    }

    private sealed class MeterFactoryHolder : IDisposable
    {
        private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

        public System.Diagnostics.Metrics.IMeterFactory Factory => _services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();

        public void Dispose() => _services.Dispose();
    }
}
