using System.Diagnostics.Metrics;
using HealthcareCms.ServiceDefaults.Telemetry;

namespace HealthcareCms.Workflows.Plugins;

/// <summary>The sandbox's error classes: the closed set of the <c>error_type</c> tag.</summary>
public static class PluginErrors
{
    public const string Trap = "trap";
    public const string OutOfFuel = "out_of_fuel";
    public const string Timeout = "timeout";
    public const string Memory = "memory";
    public const string Abi = "abi";
}

/// <summary>The WASM plugin instruments; plugin names are the configured ones (catalogue value set).</summary>
public sealed class WasmMetrics
{
    private readonly ContractCounter _calls;
    private readonly ContractHistogram _executionTime;
    private readonly ContractCounter _errors;

    public WasmMetrics(IMeterFactory meterFactory)
    {
        var meter = new ContractMeter(meterFactory, MetricCatalog.Meters.Wasm);
        _calls = meter.Counter("healthcare_cms.wasm.plugin_calls");
        _executionTime = meter.Histogram("healthcare_cms.wasm.execution_time");
        _errors = meter.Counter("healthcare_cms.wasm.errors").InitializeAtZero();
    }

    /// <summary>One call of a plugin (successful or not) and how long it ran.</summary>
    public void Call(string pluginName, double seconds)
    {
        _calls.Add(1, new KeyValuePair<string, object?>("plugin_name", pluginName));
        _executionTime.Record(seconds, new KeyValuePair<string, object?>("plugin_name", pluginName));
    }

    public void Error(string pluginName, string errorType) =>
        _errors.Add(1, new KeyValuePair<string, object?>("plugin_name", pluginName),
            new KeyValuePair<string, object?>("error_type", errorType));
}
