using HealthcareCms.AppHost.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

var builder = DistributedApplication.CreateBuilder(args);

var hosting = HostingSettings.Resolve(builder.Configuration, builder.AppHostDirectory);
if (Prerequisites.Check(hosting) is { } problem)
{
    Console.Error.WriteLine(problem);
    return 1;
}

var database = builder.AddCmsDatabase(hosting);

// The gateway (api) signs the caller's identity for internal services with this key (CONTRACTS §5).
var internalSigningKey = builder.AddParameter("internal-signing-key",
    new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true, persist: true);

var policy = builder.AddProject<Projects.HealthcareCms_Policy>("policy")
    .WithManagementEndpoint(port: 9102)
    .WithEnvironment("InternalIdentity__SigningKey", internalSigningKey);

var workflows = builder.AddProject<Projects.HealthcareCms_Workflows>("workflows")
    .WithManagementEndpoint(port: 9103)
    .WithEnvironment("InternalIdentity__SigningKey", internalSigningKey)
    .WithReference(database.ConnectionString)
    .WaitFor(database.Server);

// PHI column encryption (AES-256-GCM, key derived with HKDF): the secret reaches the Api as key id "k1".
var phiEncryptionKey = builder.AddParameter(
    "phi-encryption-key", new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true, persist: true);

var api = builder.AddProject<Projects.HealthcareCms_Api>("api")
    .WithManagementEndpoint(port: 9101)
    .WithEnvironment("Phi__Encryption__ActiveKeyId", "k1")
    .WithEnvironment("Phi__Encryption__Keys__k1", phiEncryptionKey)
    .WithReference(database.ConnectionString)
    .WaitFor(database.Server)
    .WithReference(policy)
    .WaitFor(policy)
    .WithReference(workflows)
    .WaitFor(workflows)
    .WithEnvironment("InternalIdentity__SigningKey", internalSigningKey)
    .WithIdentityParameters()
    .WithExternalHttpEndpoints();

var prometheus = builder.AddPrometheus(hosting,
[
    new ScrapeTarget("api", api.GetEndpoint(Monitoring.ManagementEndpointName)),
    new ScrapeTarget("policy", policy.GetEndpoint(Monitoring.ManagementEndpointName)),
    new ScrapeTarget("workflows", workflows.GetEndpoint(Monitoring.ManagementEndpointName)),
]);

// GET /api/slo reads the SLO recording rules from Prometheus.
api.WithEnvironment("Prometheus__Url", prometheus.GetEndpoint("http"));

if (hosting.Mode == HostingMode.Containers)
{
    builder.AddGrafana(prometheus);
}

var app = builder.Build();

var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("HealthcareCms.AppHost");
logger.LogInformation("Infrastructure runs as {Mode} ({Reason}); data directory {DataDirectory}",
    hosting.Mode, hosting.Reason, hosting.DataDirectory);
if (hosting.Mode == HostingMode.Executables)
{
    logger.LogWarning("Grafana is left out: it runs only as a container and no container runtime is available ({Reason}).",
        hosting.Reason);
}

await app.RunAsync();
return 0;
