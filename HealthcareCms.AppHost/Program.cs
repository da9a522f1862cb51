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

var policy = builder.AddProject<Projects.HealthcareCms_Policy>("policy")
    .WithManagementEndpoint(port: 9102);

var workflows = builder.AddProject<Projects.HealthcareCms_Workflows>("workflows")
    .WithManagementEndpoint(port: 9103)
    .WithReference(database.ConnectionString)
    .WaitFor(database.Server);

var api = builder.AddProject<Projects.HealthcareCms_Api>("api")
    .WithManagementEndpoint(port: 9101)
    .WithReference(database.ConnectionString)
    .WaitFor(database.Server)
    .WithReference(policy)
    .WithReference(workflows)
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
