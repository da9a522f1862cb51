using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using HealthcareCms.Workflows.Pipeline;
using Wasmtime;

namespace HealthcareCms.Workflows.Plugins;

/// <summary>A compiled plugin module (compiled once, instantiated per call).</summary>
public sealed class WasmPlugin(string name, Module module) : IDisposable
{
    public string Name { get; } = name;

    internal Module Module { get; } = module;

    public void Dispose() => Module.Dispose();
}

/// <summary>The result of one plugin call: findings (positions already in UTF-16 text offsets) or an error class.</summary>
public sealed record PluginCallResult(IReadOnlyList<Finding> Findings, string? ErrorType)
{
    public static PluginCallResult Failed(string errorType) => new([], errorType);
}

/// <summary>
/// Runs plugins in Wasmtime with no imports at all (no WASI: no files, network, clock or randomness), a
/// fresh instance per call (nothing leaks from one post to the next), a fuel budget, an epoch deadline
/// and a linear-memory limit. Any failure is classified (<see cref="PluginErrors"/>) and fails only the
/// call; the sandbox never throws for what a plugin does.
/// </summary>
public sealed partial class WasmSandbox : IDisposable
{
    public const int RecordSize = 24;
    public const int MaxFindings = 1000;
    public const int MaxRuleIdBytes = 64;
    public const int MaxMessageBytes = 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Engine _engine;
    private readonly Timer _epochTimer;
    private readonly SandboxLimits _limits;
    private readonly WasmMetrics _metrics;
    private readonly ulong _deadlineTicks;

    public WasmSandbox(SandboxLimits limits, WasmMetrics metrics)
    {
        _limits = limits;
        _metrics = metrics;
        // Instances come from a pool: fast instantiation, and a module whose memory cannot fit the limit is
        // rejected when it is compiled (at start-up), not when a post arrives.
        using var pooling = new PoolingAllocationConfig()
            .WithMaxCoreInstances(64)
            .WithMaxMemories(64)
            .WithMaxTables(64)
            .WithMaxMemorySize((nuint)limits.MaxMemoryBytes)
            .WithLinearMemoryKeepResidentBytes(1024 * 1024);
        using var config = new Config()
            .WithFuelConsumption(true)
            .WithEpochInterruption(true)
            .WithPoolingAllocationStrategy(pooling);
        _engine = new Engine(config);
        var tick = TimeSpan.FromMilliseconds(Math.Max(1, limits.EpochTickMilliseconds));
        _deadlineTicks = (ulong)Math.Ceiling(limits.TimeoutMilliseconds / tick.TotalMilliseconds) + 1;
        _epochTimer = new Timer(TickEpoch, _engine, tick, tick);
    }

    /// <summary>Compiles a plugin from WebAssembly text (or binary when the bytes start with <c>\0asm</c>).</summary>
    public WasmPlugin Compile(string name, byte[] source) =>
        new(name, source.AsSpan().StartsWith("\0asm"u8)
            ? Module.FromBytes(_engine, name, source)
            : Module.FromText(_engine, name, Encoding.UTF8.GetString(source)));

    public WasmPlugin CompileText(string name, string wat) => new(name, Module.FromText(_engine, name, wat));

    /// <summary>One call outside the metrics, so the first real call does not pay the host's one-time costs.</summary>
    public void WarmUp(WasmPlugin plugin) => InvokeCore(plugin, "");

    /// <summary>Runs <c>validate</c> over <paramref name="text"/>; never throws for what the plugin does.</summary>
    public PluginCallResult Invoke(WasmPlugin plugin, string text)
    {
        var started = Stopwatch.GetTimestamp();
        var result = InvokeCore(plugin, text);
        _metrics.Call(plugin.Name, Stopwatch.GetElapsedTime(started).TotalSeconds);
        if (result.ErrorType is { } error)
        {
            _metrics.Error(plugin.Name, error);
        }

        return result;
    }

    private PluginCallResult InvokeCore(WasmPlugin plugin, string text)
    {
        var input = Encoding.UTF8.GetBytes(text);
        if (input.Length > _limits.MaxInputBytes)
        {
            return PluginCallResult.Failed(PluginErrors.Abi);
        }

        using var store = new Store(_engine);
        store.SetLimits(memorySize: _limits.MaxMemoryBytes, tableElements: 10_000, instances: 1, tables: 1, memories: 1);
        store.Fuel = _limits.FuelPerCall;

        try
        {
            // A new store's deadline is the current epoch: a module's start function would trap at once. It runs
            // under the same deadline as the plugin's calls.
            store.SetEpochDeadline(_deadlineTicks);
            var instance = new Instance(store, plugin.Module);
            var memory = instance.GetMemory("memory");
            var alloc = instance.GetFunction<int, int>("alloc");
            var validate = instance.GetFunction<int, int, long>("validate");
            if (memory is null || alloc is null || validate is null)
            {
                return PluginCallResult.Failed(PluginErrors.Abi);
            }

            // Renewed: the deadline covers the plugin's own execution (alloc + validate), not the host's look-ups.
            store.SetEpochDeadline(_deadlineTicks);
            var pointer = alloc(input.Length);
            if (pointer <= 0)
            {
                return PluginCallResult.Failed(PluginErrors.Memory);
            }

            if ((long)pointer + input.Length > memory.GetLength())
            {
                return PluginCallResult.Failed(PluginErrors.Abi);
            }

            input.CopyTo(memory.GetSpan(pointer, input.Length));
            var packed = (ulong)validate(pointer, input.Length);
            return ReadFindings(memory, (long)(packed >> 32), (long)(packed & 0xFFFF_FFFF), input);
        }
        catch (TrapException trap)
        {
            return PluginCallResult.Failed(trap.Type switch
            {
                TrapCode.OutOfFuel => PluginErrors.OutOfFuel,
                TrapCode.Interrupt => PluginErrors.Timeout,
                _ => PluginErrors.Trap,
            });
        }
        catch (WasmtimeException ex)
        {
            // Instantiation failures: imports the sandbox does not offer, or a memory/instance limit.
            return PluginCallResult.Failed(MemoryLimit().IsMatch(ex.Message) ? PluginErrors.Memory : PluginErrors.Abi);
        }
    }

    /// <summary>Reads and checks the result record set; any inconsistency is an <c>abi</c> error.</summary>
    private static PluginCallResult ReadFindings(Memory memory, long pointer, long length, byte[] input)
    {
        var memoryLength = memory.GetLength();
        if (length < 4 || pointer < 0 || pointer + length > memoryLength)
        {
            return PluginCallResult.Failed(PluginErrors.Abi);
        }

        var result = memory.GetSpan(pointer, (int)length);
        var count = BinaryPrimitives.ReadUInt32LittleEndian(result);
        if (count > MaxFindings || length != 4 + count * RecordSize)
        {
            return PluginCallResult.Failed(PluginErrors.Abi);
        }

        var findings = new List<Finding>((int)count);
        for (var i = 0; i < count; i++)
        {
            var record = result.Slice(4 + i * RecordSize, RecordSize);
            var start = BinaryPrimitives.ReadUInt32LittleEndian(record);
            var span = BinaryPrimitives.ReadUInt32LittleEndian(record[4..]);
            var ruleId = ReadString(memory, record[8..], MaxRuleIdBytes, memoryLength);
            var message = ReadString(memory, record[16..], MaxMessageBytes, memoryLength);
            if ((ulong)start + span > (ulong)input.Length || ruleId is null || !RuleIdPattern().IsMatch(ruleId)
                || message is null || message.Length == 0)
            {
                return PluginCallResult.Failed(PluginErrors.Abi);
            }

            // Byte offsets into the UTF-8 input → UTF-16 offsets into the text (what the editor shows).
            var charStart = CharCount(input, 0, (int)start);
            var charLength = CharCount(input, (int)start, (int)span);
            if (charStart < 0 || charLength < 0)
            {
                return PluginCallResult.Failed(PluginErrors.Abi);
            }

            findings.Add(new Finding(ruleId, message, charStart, charLength));
        }

        return new PluginCallResult(findings, null);
    }

    private static string? ReadString(Memory memory, ReadOnlySpan<byte> field, int maxBytes, long memoryLength)
    {
        var pointer = BinaryPrimitives.ReadUInt32LittleEndian(field);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(field[4..]);
        if (length > maxBytes || (ulong)pointer + length > (ulong)memoryLength)
        {
            return null;
        }

        try
        {
            return StrictUtf8.GetString(memory.GetSpan(pointer, (int)length));
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>UTF-16 length of a UTF-8 range; -1 when the range splits a character.</summary>
    private static int CharCount(byte[] input, int start, int length)
    {
        try
        {
            return StrictUtf8.GetCharCount(input, start, length);
        }
        catch (DecoderFallbackException)
        {
            return -1;
        }
    }

    [GeneratedRegex("^[A-Z0-9][A-Z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex RuleIdPattern();

    [GeneratedRegex(@"memor(?:y|ies)\b.*\blimit|\blimit.*\bmemor(?:y|ies)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex MemoryLimit();

    /// <summary>The epoch timer's callback. A tick already queued when the sandbox is disposed finds the engine gone:
    /// that is the end of ticking, not an error (an exception on a timer thread would end the process).</summary>
    internal static void TickEpoch(object? engine)
    {
        try
        {
            ((Engine)engine!).IncrementEpoch();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        // Stop the timer and wait for a callback in flight before the engine goes.
        using (var stopped = new ManualResetEvent(false))
        {
            if (_epochTimer.Dispose(stopped))
            {
                stopped.WaitOne(TimeSpan.FromSeconds(5));
            }
        }

        _engine.Dispose();
    }
}
