using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HealthcareCms.Tests.Infrastructure;

/// <summary>
/// Starts the real AppHost once per test run: real PostgreSQL (fresh data directory; in container mode no named
/// volume, so a run never meets — or leaves MFA on — the development database's seeded admin), real Prometheus,
/// the three services. Ports are randomized, so a running development instance does not collide.
/// Every await is bounded, so a missing runtime fails the run quickly instead of hanging it.
/// </summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    public static readonly string[] ServiceNames = ["api", "policy", "workflows"];
    public static readonly string[] ResourceNames = ["postgres", "api", "policy", "workflows", "prometheus"];

    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost is not started.");

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), $"hcms-tests-{Guid.NewGuid():N}");

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.HealthcareCms_AppHost>(
            [
                $"--HealthcareCms:DataDirectory={DataDirectory}",
                "--HealthcareCms:PostgresVolume=none",
                "--HealthcareCms:PrometheusScrapeInterval=1s",
            ],
            (options, _) => options.DisableDashboard = true,
            cts.Token).WaitAsync(cts.Token);

        _app = await builder.BuildAsync(cts.Token).WaitAsync(cts.Token);
        await _app.StartAsync(cts.Token).WaitAsync(cts.Token);

        foreach (var resource in ResourceNames)
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token).WaitAsync(cts.Token);
        }
    }

    public HttpClient CreateClient(string resource, string endpoint = "http")
    {
        var client = App.CreateHttpClient(resource, endpoint);
        client.Timeout = TimeSpan.FromSeconds(30);
        return client;
    }

    public Uri Endpoint(string resource, string endpoint = "http") => App.GetEndpoint(resource, endpoint);

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            await _app.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A process still holding files: the temp directory is cleaned by the OS later.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AppHostCollection : ICollectionFixture<AppHostFixture>
{
    public const string Name = "AppHost";
}
