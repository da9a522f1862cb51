using HealthcareCms.ServiceDefaults.Telemetry;
using HealthcareCms.Workflows.Plugins;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace HealthcareCms.Tests.Workflows;

/// <summary>The Wasmtime sandbox with the shipped plugins and with small hostile modules written here.</summary>
public sealed class WasmSandboxTests : IDisposable
{
    private const string Errors = "healthcare_cms.wasm.errors";
    private const string Calls = "healthcare_cms.wasm.plugin_calls";
    private const string ExecutionTime = "healthcare_cms.wasm.execution_time";

    /// <summary>A well-behaved module body: memory, a bump alloc at 64 KiB, and a result area at 1 KiB.</summary>
    private const string Prelude = """
        (memory (export "memory") 2)
        (global $heap (mut i32) (i32.const 65536))
        (func (export "alloc") (param $len i32) (result i32)
          (local $p i32)
          (local.set $p (global.get $heap))
          (global.set $heap (i32.add (global.get $heap) (local.get $len)))
          (local.get $p))
        """;

    /// <summary>A validate that reports nothing: count 0 at 1024, packed (1024 &lt;&lt; 32) | 4.</summary>
    private const string EmptyResult = "(i64.const 4398046511108)";

    private readonly WorkflowHarness _harness = new(new SandboxLimits
    {
        FuelPerCall = 2_000_000,
        TimeoutMilliseconds = 50,
        EpochTickMilliseconds = 5,
        MaxMemoryBytes = 4 * 1024 * 1024,
    });

    private WasmSandbox Sandbox => _harness.Sandbox;

    public static TheoryData<string, string> HostileModules() => new()
    {
        // spins forever with a small fuel budget
        { PluginErrors.OutOfFuel, Module("(func (export \"validate\") (param i32 i32) (result i64) (loop $l (br $l)) " + EmptyResult + ")") },
        { PluginErrors.Trap, Module("(func (export \"validate\") (param i32 i32) (result i64) unreachable)") },
        { PluginErrors.Trap, Module("(func (export \"validate\") (param i32 i32) (result i64) (drop (i32.div_u (i32.const 1) (i32.const 0))) " + EmptyResult + ")") },
        { PluginErrors.Trap, Module("(func (export \"validate\") (param i32 i32) (result i64) (drop (i32.load (i32.const -8))) " + EmptyResult + ")") },
        // alloc cannot grow past the limit and says so by returning 0
        {
            PluginErrors.Memory, """
            (module
              (memory (export "memory") 1)
              (func (export "alloc") (param i32) (result i32)
                (if (result i32) (i32.eq (memory.grow (i32.const 1000)) (i32.const -1)) (then (i32.const 0)) (else (i32.const 65536))))
              (func (export "validate") (param i32 i32) (result i64) (i64.const 0)))
            """
        },
        // ABI violations
        { PluginErrors.Abi, "(module (memory (export \"memory\") 1) (func (export \"alloc\") (param i32) (result i32) (i32.const 16)))" },
        { PluginErrors.Abi, "(module (memory (export \"memory\") 1) (func (export \"alloc\") (param i32) (result i32) (i32.const 16)) (func (export \"validate\") (param i32) (result i32) (i32.const 0)))" },
        { PluginErrors.Abi, "(module (import \"wasi_snapshot_preview1\" \"fd_write\" (func (param i32 i32 i32 i32) (result i32))) (memory (export \"memory\") 1) (func (export \"alloc\") (param i32) (result i32) (i32.const 16)) (func (export \"validate\") (param i32 i32) (result i64) (i64.const 0)))" },
        { PluginErrors.Abi, Module("(func (export \"validate\") (param i32 i32) (result i64) (i64.const 0x7fff000000000010))") },
        // claims one finding but returns the length of zero
        { PluginErrors.Abi, Module("(func (export \"validate\") (param i32 i32) (result i64) (i32.store (i32.const 1024) (i32.const 1)) " + EmptyResult + ")") },
        // one finding whose rule id is not UPPER-KEBAB (it points at "bad id")
        {
            PluginErrors.Abi, Module("""
                (data (i32.const 512) "bad id")
                (func (export "validate") (param i32 i32) (result i64)
                  (i32.store (i32.const 1024) (i32.const 1))
                  (i32.store (i32.const 1028) (i32.const 0)) (i32.store (i32.const 1032) (i32.const 1))
                  (i32.store (i32.const 1036) (i32.const 512)) (i32.store (i32.const 1040) (i32.const 6))
                  (i32.store (i32.const 1044) (i32.const 512)) (i32.store (i32.const 1048) (i32.const 6))
                  (i64.const 4398046511132))
                """)
        },
    };

    [Theory]
    [MemberData(nameof(HostileModules))]
    public void A_misbehaving_plugin_fails_only_its_call_with_a_classified_error(string expected, string wat)
    {
        using var errors = new MetricCollector<long>(_harness.MeterFactory, MetricCatalog.Meters.Wasm, Errors);
        using var calls = new MetricCollector<long>(_harness.MeterFactory, MetricCatalog.Meters.Wasm, Calls);
        using var plugin = Sandbox.CompileText("clinic_custom", wat);

        var result = Sandbox.Invoke(plugin, "Texto do post.");

        Assert.Equal(expected, result.ErrorType);
        Assert.Empty(result.Findings);
        var error = Assert.Single(errors.GetMeasurementSnapshot());
        // A name outside the configured set never becomes a label value.
        Assert.Equal(new Dictionary<string, object?> { ["plugin_name"] = "other", ["error_type"] = expected }, error.Tags);
        Assert.Equal("other", Assert.Single(calls.GetMeasurementSnapshot()).Tags["plugin_name"]);

        // The sandbox is intact: the next call of a shipped plugin works.
        Assert.Null(Sandbox.Invoke(_harness.Catalog.For("general")[0], "Um texto curto.").ErrorType);
    }

    [Fact]
    public void A_module_declaring_more_memory_than_the_limit_is_rejected_when_it_is_loaded()
    {
        var error = Assert.Throws<Wasmtime.WasmtimeException>(() => Sandbox.CompileText("clinic_custom",
            "(module (memory (export \"memory\") 1000) (func (export \"alloc\") (param i32) (result i32) (i32.const 16)) (func (export \"validate\") (param i32 i32) (result i64) (i64.const 0)))"));

        Assert.Contains("exceeds the limit", error.ToString());
    }

    /// <summary>
    /// The epoch timer's tick can run after the sandbox's engine is gone (a tick queued just before disposal). It
    /// must not throw on the timer thread: an unhandled ObjectDisposedException there ended a CI run's test host.
    /// </summary>
    [Fact]
    public void An_epoch_tick_after_the_engine_is_disposed_does_not_throw()
    {
        var engine = new Wasmtime.Engine();
        WasmSandbox.TickEpoch(engine);
        engine.Dispose();

        var tick = Record.Exception(() => WasmSandbox.TickEpoch(engine));

        Assert.Null(tick);
    }

    /// <summary>Disposing sandboxes while their 1 ms epoch timers fire: disposal waits for a tick in flight, and a
    /// sandbox made after the churn still enforces its deadline.</summary>
    [Fact]
    public void Disposing_a_sandbox_while_its_epoch_timer_fires_is_safe()
    {
        for (var i = 0; i < 50; i++)
        {
            var sandbox = new WasmSandbox(new SandboxLimits { EpochTickMilliseconds = 1 }, _harness.WasmMetrics);
            Thread.SpinWait(20_000 * (i % 5));
            sandbox.Dispose();
        }

        using var survivor = new WasmSandbox(new SandboxLimits { FuelPerCall = ulong.MaxValue / 2, TimeoutMilliseconds = 20 }, _harness.WasmMetrics);
        using var plugin = survivor.CompileText("reading_level",
            Module("(func (export \"validate\") (param i32 i32) (result i64) (loop $l (br $l)) " + EmptyResult + ")"));
        Assert.Equal(PluginErrors.Timeout, survivor.Invoke(plugin, "Texto.").ErrorType);
    }

    /// <summary>A module with a start function (it initialises its heap) runs: the start function executes under the
    /// call's deadline, not under a new store's deadline of zero.</summary>
    [Fact]
    public void A_plugin_with_a_start_function_is_instantiated_and_called()
    {
        using var plugin = Sandbox.CompileText("reading_level", Module(
            "(global $ready (mut i32) (i32.const 0)) (func $init (global.set $ready (i32.const 1))) (start $init) " +
            "(func (export \"validate\") (param i32 i32) (result i64) (if (i32.eqz (global.get $ready)) (then unreachable)) " + EmptyResult + ")"));

        var result = Sandbox.Invoke(plugin, "Texto.");

        Assert.Null(result.ErrorType);
        Assert.Empty(result.Findings);
    }

    [Fact]
    public void A_plugin_that_never_runs_out_of_fuel_is_stopped_by_the_epoch_deadline()
    {
        using var sandbox = new WasmSandbox(new SandboxLimits { FuelPerCall = ulong.MaxValue / 2, TimeoutMilliseconds = 50 }, _harness.WasmMetrics);
        using var errors = new MetricCollector<long>(_harness.MeterFactory, MetricCatalog.Meters.Wasm, Errors);
        using var duration = new MetricCollector<double>(_harness.MeterFactory, MetricCatalog.Meters.Wasm, ExecutionTime);
        using var plugin = sandbox.CompileText("reading_level",
            Module("(func (export \"validate\") (param i32 i32) (result i64) (loop $l (br $l)) " + EmptyResult + ")"));

        var result = sandbox.Invoke(plugin, "Texto.");

        Assert.Equal(PluginErrors.Timeout, result.ErrorType);
        Assert.Equal(new Dictionary<string, object?> { ["plugin_name"] = "reading_level", ["error_type"] = "timeout" },
            Assert.Single(errors.GetMeasurementSnapshot()).Tags);
        var seconds = Assert.Single(duration.GetMeasurementSnapshot()).Value;
        Assert.InRange(seconds, 0.040, 5);
    }

    [Fact]
    public void Reading_level_reports_the_long_sentence_at_its_utf16_position()
    {
        var plugin = Plugin("reading_level");
        var shortSentence = "Ação rápida salva vidas.";
        var longSentence = string.Join(' ', Enumerable.Range(1, 32).Select(i => $"palavra{i}")) + ".";
        var text = shortSentence + " " + longSentence + " Fim.";
        using var calls = new MetricCollector<long>(_harness.MeterFactory, MetricCatalog.Meters.Wasm, Calls);
        using var time = new MetricCollector<double>(_harness.MeterFactory, MetricCatalog.Meters.Wasm, ExecutionTime);

        var result = Sandbox.Invoke(plugin, text);

        Assert.Null(result.ErrorType);
        var finding = Assert.Single(result.Findings);
        Assert.Equal("READING-LONG-SENTENCE", finding.RuleId);
        Assert.Contains("Frase longa", finding.Message);
        Assert.Contains("Sentence too long", finding.Message);
        Assert.Equal(longSentence, text.Substring(finding.Start, finding.Length));
        Assert.Equal("reading_level", Assert.Single(calls.GetMeasurementSnapshot()).Tags["plugin_name"]);
        var measured = Assert.Single(time.GetMeasurementSnapshot());
        Assert.Equal("reading_level", measured.Tags["plugin_name"]);
        Assert.True(measured.Value > 0);

        Assert.Empty(Sandbox.Invoke(plugin, shortSentence).Findings);
    }

    [Theory]
    [InlineData("Após o AVC, a reabilitação começa cedo. O AVC exige atenção.", 1, "AVC")]
    [InlineData("Após o AVC (acidente vascular cerebral), a reabilitação começa cedo. O AVC exige atenção.", 0, null)]
    [InlineData("A DPOC e o IAM são comuns; a DPOC (doença pulmonar obstrutiva crônica) é tratável.", 2, "DPOC")]
    [InlineData("Palavras como AVCs, HASTE ou PAVC não são siglas da lista.", 0, null)]
    public void Glossary_reports_the_first_unexplained_use_of_each_acronym(string text, int expected, string? first)
    {
        var result = Sandbox.Invoke(Plugin("glossary"), text);

        Assert.Null(result.ErrorType);
        Assert.Equal(expected, result.Findings.Count);
        Assert.All(result.Findings, f => Assert.Equal("GLOSSARY-UNEXPLAINED-ACRONYM", f.RuleId));
        if (first is not null)
        {
            Assert.Equal(first, text.Substring(result.Findings[0].Start, result.Findings[0].Length));
        }
    }

    [Fact]
    public void Input_larger_than_the_limit_is_refused_without_running_the_plugin()
    {
        using var sandbox = new WasmSandbox(new SandboxLimits { MaxInputBytes = 16 }, _harness.WasmMetrics);
        using var plugin = sandbox.CompileText("glossary", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Plugins", "wat", "glossary.wat")));

        Assert.Equal(PluginErrors.Abi, sandbox.Invoke(plugin, new string('a', 17)).ErrorType);
    }

    [Fact]
    public void Every_category_runs_at_least_one_shipped_plugin_and_every_shipped_plugin_is_a_metric_label()
    {
        foreach (var category in MetricCatalog.Values.MedicalCategories)
        {
            Assert.NotEmpty(_harness.Catalog.For(category));
        }

        Assert.All(_harness.Catalog.Names, name => Assert.Contains(name, MetricCatalog.Values.PluginNames));
    }

    private HealthcareCms.Workflows.Plugins.WasmPlugin Plugin(string name) =>
        _harness.Catalog.For("cardiology").Single(p => p.Name == name);

    private static string Module(string body) => "(module " + Prelude + " " + body + ")";

    public void Dispose() => _harness.Dispose();
}
