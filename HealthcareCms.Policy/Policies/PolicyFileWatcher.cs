using Microsoft.Extensions.Options;

namespace HealthcareCms.Policy.Policies;

/// <summary>
/// Loads the policy at start and reloads it whenever a file of the policy directory changes (created,
/// written, renamed into place), once the changes have settled for <see cref="PolicyOptions.ReloadDelay"/>.
/// </summary>
public sealed class PolicyFileWatcher(PolicyStore store, IOptions<PolicyOptions> options) : IHostedService, IDisposable
{
    private FileSystemWatcher? _watcher;
    private Timer? _debounce;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        store.Reload();
        _debounce = new Timer(_ => store.Reload());
        if (Directory.Exists(store.DirectoryPath))
        {
            _watcher = new FileSystemWatcher(store.DirectoryPath, "*.json")
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            _watcher.Changed += OnChanged;
            _watcher.Created += OnChanged;
            _watcher.Renamed += OnChanged;
            _watcher.Deleted += OnChanged;
            _watcher.EnableRaisingEvents = true;
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_watcher is not null)
        {
            _watcher.EnableRaisingEvents = false;
        }

        _debounce?.Change(Timeout.Infinite, Timeout.Infinite);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _debounce?.Dispose();
    }

    private void OnChanged(object sender, FileSystemEventArgs e) =>
        _debounce?.Change(options.Value.ReloadDelay, Timeout.InfiniteTimeSpan);
}
