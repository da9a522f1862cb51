namespace HealthcareCms.Bench.Infrastructure;

/// <summary>A service build the harness launched: its public and management base URLs.</summary>
public sealed record RunningService(string Name, ChildProcess Process, string PublicUrl, string ManagementUrl);

/// <summary>
/// The system under load: builds of the three services (the harness's configuration, Release for real runs)
/// launched by the harness on free ports, in Production, against the bench database. The Api runs twice,
/// identical but for <c>Telemetry:Enabled</c>, for the A/B telemetry comparison.
/// </summary>
public sealed class ServiceSet : IAsyncDisposable
{
    private readonly List<RunningService> _all = [];

    public required RunningService Policy { get; init; }

    public required RunningService Workflows { get; init; }

    /// <summary>The Api with full telemetry (the shipped configuration).</summary>
    public required RunningService Api { get; init; }

    /// <summary>The same Api build with <c>Telemetry__Enabled=false</c>.</summary>
    public required RunningService ApiWithoutTelemetry { get; init; }

    public IReadOnlyList<RunningService> All => _all;

    public static async Task<ServiceSet> StartAsync(string connectionString, HttpClient http, Action<string> log)
    {
        var started = new List<RunningService>();
        try
        {
            var policy = await StartAsync("policy", "HealthcareCms.Policy", connectionString, http, started, telemetry: true, policyUrl: null, workflowsUrl: null);
            var workflows = await StartAsync("workflows", "HealthcareCms.Workflows", connectionString, http, started, telemetry: true, policyUrl: null, workflowsUrl: null);
            // One after the other: each Api applies the migrations at start.
            var api = await StartAsync("api", "HealthcareCms.Api", connectionString, http, started, telemetry: true, policy.PublicUrl, workflows.PublicUrl);
            var apiOff = await StartAsync("api-telemetry-off", "HealthcareCms.Api", connectionString, http, started, telemetry: false, policy.PublicUrl, workflows.PublicUrl);
            foreach (var service in started)
            {
                log($"{service.Name}: {service.PublicUrl} (management {service.ManagementUrl}), pid {service.Process.Id}");
            }

            var set = new ServiceSet { Policy = policy, Workflows = workflows, Api = api, ApiWithoutTelemetry = apiOff };
            set._all.AddRange(started);
            return set;
        }
        catch
        {
            foreach (var service in started)
            {
                await service.Process.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>
    /// Connections per service process. Four processes share one PostgreSQL (max_connections 200) with the
    /// AppHost's own services; with Npgsql's default of 100 each, an overloaded run exhausted the server
    /// ("53300: too many clients") and measured that instead of the code.
    /// </summary>
    public const int MaxPoolSize = 30;

    private static string WithPoolLimit(string connectionString) =>
        new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = MaxPoolSize }.ConnectionString;

    private static async Task<RunningService> StartAsync(
        string name, string project, string connectionString, HttpClient http, List<RunningService> started,
        bool telemetry, string? policyUrl, string? workflowsUrl)
    {
        var port = Ports.Free();
        var managementPort = Ports.Free();
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["MANAGEMENT_HTTP_PORT"] = managementPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ConnectionStrings__cmsdb"] = WithPoolLimit(connectionString),
            ["Telemetry__Enabled"] = telemetry ? "true" : "false",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
        };
        if (policyUrl is not null)
        {
            environment["services__policy__http__0"] = policyUrl;
        }

        if (workflowsUrl is not null)
        {
            environment["services__workflows__http__0"] = workflowsUrl;
        }

        foreach (var (key, value) in ServiceSettings.Environment)
        {
            environment[key] = value;
        }

        if (project == "HealthcareCms.Policy")
        {
            environment["Policy__Directory"] = ServiceSettings.WritePolicyDirectory();
        }

        var process = ChildProcess.StartService(name, project, environment);
        var service = new RunningService(name, process, $"http://127.0.0.1:{port}", $"http://127.0.0.1:{managementPort}");
        started.Add(service);
        await process.WaitUntilReadyAsync(http, $"{service.ManagementUrl}/health", TimeSpan.FromSeconds(90));
        return service;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _all)
        {
            await service.Process.DisposeAsync();
        }
    }
}

/// <summary>
/// Settings of the launched services: secrets generated per run (never the development ones), the seeded
/// admin, and a login rate limit high enough for the harness to sign in the protected path's many physicians
/// from one address (it only affects that setup, not any measured request).
/// </summary>
public static class ServiceSettings
{
    public static string JwtSigningKey { get; } = Secret(48);

    public static string AdminEmail => "bench-admin@bench.healthcare-cms.local";

    public static string AdminPassword { get; } = Scenarios.PhiSession.StrongPassword();

    public static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        ["Identity__Jwt__SigningKey"] = JwtSigningKey,
        ["Identity__Seed__AdminEmail"] = AdminEmail,
        ["Identity__Seed__AdminPassword"] = AdminPassword,
        ["InternalIdentity__SigningKey"] = Secret(48),
        ["Phi__Encryption__ActiveKeyId"] = "k1",
        ["Phi__Encryption__Keys__k1"] = Secret(48),
        ["Identity__LoginRateLimit__PermitLimit"] = "100000",
    };

    /// <summary>
    /// The shipped policy plus a Production overlay naming the bench's clinic network: loopback, where the load
    /// comes from (the base file trusts no network; user administration requires a trusted one).
    /// </summary>
    public static string WritePolicyDirectory()
    {
        var directory = Path.Combine(BenchPaths.WorkDirectory, "policies");
        Directory.CreateDirectory(directory);
        File.Copy(Path.Combine(BenchPaths.Root, "HealthcareCms.Policy", "policies", "policy.json"), Path.Combine(directory, "policy.json"), overwrite: true);
        File.WriteAllText(Path.Combine(directory, "policy.Production.json"),
            """{ "name": "bench", "trustedNetworks": ["127.0.0.0/8", "::1/128"] }""");
        return directory;
    }

    private static string Secret(int length) =>
        Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(length / 2));
}
