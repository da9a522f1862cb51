namespace HealthcareCms.Workflows.Plugins;

/// <summary>One plugin: its WAT (text) or WASM (binary) file, relative to the application directory.</summary>
public sealed class PluginDefinition
{
    public string Source { get; set; } = "";
}

/// <summary><c>Workflows:Plugins</c>: the plugin catalogue, which plugins run for which category, and the sandbox limits.</summary>
public sealed class PluginOptions
{
    public const string Section = "Workflows:Plugins";

    /// <summary>Plugin name → module. Names must also be in <c>MetricCatalog.Values.PluginNames</c>.</summary>
    public Dictionary<string, PluginDefinition> Catalog { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Medical category → plugin names, run in this order after the CFM stage.</summary>
    public Dictionary<string, string[]> Categories { get; set; } = new(StringComparer.Ordinal);

    public SandboxLimits Limits { get; set; } = new();
}

public sealed class SandboxLimits
{
    /// <summary>Fuel (≈ WebAssembly instructions) one call may consume.</summary>
    public ulong FuelPerCall { get; set; } = 50_000_000;

    /// <summary>Wall-clock deadline of one call, enforced by epoch interruption.</summary>
    public int TimeoutMilliseconds { get; set; } = 50;

    /// <summary>How often the engine's epoch advances; the deadline is rounded up to whole ticks.</summary>
    public int EpochTickMilliseconds { get; set; } = 5;

    /// <summary>The most linear memory one instance may have (bytes): 16 MiB.</summary>
    public long MaxMemoryBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The largest text handed to a plugin (UTF-8 bytes); larger input is an <c>abi</c> error, not a crash.</summary>
    public int MaxInputBytes { get; set; } = 1024 * 1024;
}
