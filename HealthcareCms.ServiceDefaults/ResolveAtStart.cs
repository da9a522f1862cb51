using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HealthcareCms.ServiceDefaults;

public static class ResolveAtStartExtensions
{
    /// <summary>
    /// Creates the singleton <typeparamref name="TService"/> when the host starts instead of at its first use:
    /// a metrics class whose counters start at zero (<see cref="Telemetry.ContractCounter.InitializeAtZero"/>)
    /// is exported from the first scrape, and a configuration check fails the start rather than the first
    /// request. A one-shot run that never starts the host (a migration Job) does not create it.
    /// </summary>
    public static IServiceCollection ResolveAtStart<TService>(this IServiceCollection services)
        where TService : class
    {
        services.AddHostedService(sp => new ResolvedAtStart<TService>(sp.GetRequiredService<TService>()));
        return services;
    }

    /// <summary>Holds the instance only so that resolving this hosted service resolves it.</summary>
    private sealed class ResolvedAtStart<TService>(TService service) : IHostedService
    {
        public override string ToString() => $"{typeof(TService).Name} created at start: {service is not null}";

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
