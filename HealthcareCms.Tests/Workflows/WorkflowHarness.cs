using System.Diagnostics.Metrics;
using HealthcareCms.Workflows.Pipeline;
using HealthcareCms.Workflows.Plugins;
using HealthcareCms.Workflows.Rules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using HealthcareCms.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Testing;

namespace HealthcareCms.Tests.Workflows;

/// <summary>
/// The worker's pipeline wired as in production (real rule stages, real Wasmtime, the shipped WAT files
/// from the build output) with a meter factory the test can collect from.
/// </summary>
internal sealed class WorkflowHarness : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"hcms-plugins-{Guid.NewGuid():N}");

    public WorkflowHarness(SandboxLimits? limits = null, IReadOnlyDictionary<string, string>? extraPlugins = null,
        IReadOnlyDictionary<string, string[]>? categories = null, IRuleStage? extraStage = null)
    {
        Directory.CreateDirectory(_directory);
        WasmMetrics = new WasmMetrics(MeterFactory);
        Sandbox = new WasmSandbox(limits ?? new SandboxLimits(), WasmMetrics);

        var options = ShippedOptions();
        foreach (var (name, wat) in extraPlugins ?? new Dictionary<string, string>())
        {
            var path = Path.Combine(_directory, name + ".wat");
            File.WriteAllText(path, wat);
            options.Catalog[name] = new PluginDefinition { Source = path };
        }

        foreach (var (category, names) in categories ?? new Dictionary<string, string[]>())
        {
            options.Categories[category] = names;
        }

        Catalog = new PluginCatalog(options, Sandbox, AppContext.BaseDirectory);
        Metrics = new WorkflowMetrics(MeterFactory, new HealthcareCms.Workflows.Queue.QueueHealthSnapshot());
        var stages = RuleStages.Create();
        Pipeline = new ValidationPipeline(extraStage is null ? stages : [.. stages, extraStage], Catalog, Sandbox, Metrics,
            Logger);
    }

    public IMeterFactory MeterFactory => _services.GetRequiredService<IMeterFactory>();

    public FakeLogger<ValidationPipeline> Logger { get; } = new();

    public WasmMetrics WasmMetrics { get; }

    public WasmSandbox Sandbox { get; }

    public PluginCatalog Catalog { get; }

    public WorkflowMetrics Metrics { get; }

    public ValidationPipeline Pipeline { get; }

    /// <summary>The worker's plugin configuration as shipped (its appsettings.json).</summary>
    public static PluginOptions ShippedOptions()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Repository.PathOf("HealthcareCms.Workflows", "appsettings.json"), optional: false)
            .Build();
        return configuration.GetSection(PluginOptions.Section).Get<PluginOptions>()!;
    }

    public void Dispose()
    {
        Catalog.Dispose();
        Sandbox.Dispose();
        _services.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
