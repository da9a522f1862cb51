using HealthcareCms.ServiceDefaults.Telemetry;
using HealthcareCms.Workflows.Pipeline;

namespace HealthcareCms.Workflows.Plugins;

/// <summary>
/// The configured plugins, compiled once at start-up, and which of them run for each medical category.
/// A configuration error (a missing file, invalid WAT, a category naming an unknown plugin, a category
/// without plugins) stops the worker at start rather than letting posts through unchecked.
/// </summary>
public sealed class PluginCatalog : IDisposable
{
    private readonly Dictionary<string, WasmPlugin> _plugins = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WasmPlugin[]> _byCategory = new(StringComparer.Ordinal);

    public PluginCatalog(PluginOptions options, WasmSandbox sandbox, string baseDirectory)
    {
        foreach (var (name, definition) in options.Catalog)
        {
            var path = Path.Combine(baseDirectory, definition.Source);
            _plugins[name] = sandbox.Compile(name, File.ReadAllBytes(path));
        }

        foreach (var category in MetricCatalog.Values.MedicalCategories)
        {
            if (!options.Categories.TryGetValue(category, out var names) || names.Length == 0)
            {
                throw new InvalidOperationException($"No plugin is configured for the medical category '{category}' ({PluginOptions.Section}:Categories).");
            }

            _byCategory[category] = names.Select(n => _plugins.TryGetValue(n, out var plugin)
                ? plugin
                : throw new InvalidOperationException($"The category '{category}' names the plugin '{n}', which is not in {PluginOptions.Section}:Catalog.")).ToArray();
        }
    }

    public IReadOnlyCollection<string> Names => _plugins.Keys;

    /// <summary>The plugins for a category (unknown categories use <c>general</c>'s).</summary>
    public IReadOnlyList<WasmPlugin> For(string category) => _byCategory[MedicalCategories.Normalize(category)];

    public void Dispose()
    {
        foreach (var plugin in _plugins.Values)
        {
            plugin.Dispose();
        }
    }
}
