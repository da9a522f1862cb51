using System.Collections.Frozen;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HealthcareCms.Policy.Policies;

public sealed class PolicyOptions
{
    public const string Section = "Policy";

    /// <summary>Directory of the policy files; relative paths are resolved against the application's base directory.</summary>
    public string Directory { get; set; } = "policies";

    public string FileName { get; set; } = "policy.json";

    /// <summary>How long file changes must settle before a reload (editors write in several steps).</summary>
    public TimeSpan ReloadDelay { get; set; } = TimeSpan.FromMilliseconds(250);
}

/// <summary>
/// Holds the active policy. Loads <c>{Directory}/{FileName}</c> plus the environment overlay
/// <c>policy.{Environment}.json</c> when it exists; a file that fails validation is rejected with its
/// errors logged and the last good policy stays active. Until a first good load the bootstrap policy is
/// active: it knows no resource type, so everything is denied.
/// </summary>
public sealed partial class PolicyStore
{
    public const string BootstrapVersion = "bootstrap-0";

    private readonly ILogger<PolicyStore> _logger;
    private readonly Lock _reloadLock = new();
    private volatile CompiledPolicy _current = Bootstrap;

    public PolicyStore(IOptions<PolicyOptions> options, IHostEnvironment environment, ILogger<PolicyStore> logger)
    {
        _logger = logger;
        var directory = options.Value.Directory;
        DirectoryPath = Path.IsPathRooted(directory) ? directory : Path.Combine(AppContext.BaseDirectory, directory);
        PolicyPath = Path.Combine(DirectoryPath, options.Value.FileName);
        OverlayPath = Path.Combine(DirectoryPath,
            $"{Path.GetFileNameWithoutExtension(options.Value.FileName)}.{environment.EnvironmentName}{Path.GetExtension(options.Value.FileName)}");
    }

    public static CompiledPolicy Bootstrap { get; } = new()
    {
        Version = BootstrapVersion,
        Weights = new TrustWeights { Authentication = 100, SessionAge = 0, Device = 0, Network = 0, TimeOfDay = 0, FailedLogins = 0, RequestRate = 0 },
        Factors = new FactorSettings
        {
            Authentication = new AuthenticationFactor { PasswordOnly = 0 },
            SessionAge = new SessionAgeFactor { FullTrustSeconds = 0, MaxSeconds = 1 },
            Device = new DeviceFactor { Unmanaged = 0, Unknown = 0 },
            Network = new NetworkFactor { Untrusted = 0 },
            TimeOfDay = new TimeOfDayFactor { StartHourUtc = 0, EndHourUtc = 24, OffHours = 0 },
            FailedLogins = new FailedLoginsFactor { Max = 1 },
            RequestRate = new RequestRateFactor { NormalPerMinute = 0, MaxPerMinute = 1 },
        },
        TrustedNetworks = [],
        Resources = FrozenDictionary<string, CompiledResourceRule>.Empty,
    };

    public string DirectoryPath { get; }

    public string PolicyPath { get; }

    public string OverlayPath { get; }

    public CompiledPolicy Current => _current;

    public bool IsLoaded => !ReferenceEquals(_current, Bootstrap);

    /// <summary>The errors of the last rejected file, until a good one is loaded.</summary>
    public IReadOnlyList<string> LastErrors { get; private set; } = [];

    /// <summary>Reads and validates the files; activates the result only when it is valid.</summary>
    public PolicyCompilation Reload()
    {
        lock (_reloadLock)
        {
            PolicyCompilation compilation;
            try
            {
                var policy = File.ReadAllText(PolicyPath);
                var overlay = File.Exists(OverlayPath) ? File.ReadAllText(OverlayPath) : null;
                compilation = PolicyCompiler.Compile(policy, overlay);
            }
            catch (IOException ex)
            {
                compilation = new PolicyCompilation(null, [$"policy file could not be read: {ex.Message}"]);
            }
            catch (UnauthorizedAccessException ex)
            {
                compilation = new PolicyCompilation(null, [$"policy file could not be read: {ex.Message}"]);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A compiler defect must not take the service down from the reload timer: the last good policy stays.
                compilation = new PolicyCompilation(null, [$"policy could not be compiled: {ex.GetType().Name}"]);
            }

            if (compilation.Policy is { } loaded)
            {
                var previous = _current.Version;
                _current = loaded;
                LastErrors = [];
                LogPolicyActivated(loaded.Version, previous, loaded.Resources.Count, loaded.TrustedNetworks.Length);
            }
            else
            {
                LastErrors = compilation.Errors;
                LogPolicyRejected(PolicyPath, _current.Version, string.Join(" | ", compilation.Errors));
            }

            return compilation;
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "Policy {Version} activated (previous {PreviousVersion}; {ResourceTypeCount} resource types, {TrustedNetworkCount} trusted networks)")]
    private partial void LogPolicyActivated(string version, string previousVersion, int resourceTypeCount, int trustedNetworkCount);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error,
        Message = "Policy file {Path} rejected; {ActiveVersion} stays active. Errors: {Errors}")]
    private partial void LogPolicyRejected(string path, string activeVersion, string errors);
}

/// <summary>Ready only once a policy is loaded: before that the service can only deny.</summary>
public sealed class PolicyLoadedHealthCheck(PolicyStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(store.IsLoaded
            ? HealthCheckResult.Healthy($"policy {store.Current.Version}")
            : HealthCheckResult.Unhealthy("no valid policy loaded"));
}
