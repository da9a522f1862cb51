using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HealthcareCms.ServiceDefaults.Telemetry;

public static class MetricsAtStartExtensions
{
    /// <summary>
    /// Creates the metrics class <typeparamref name="TMetrics"/> when the host starts instead of at its first use,
    /// so the counters it initialises at zero (<see cref="ContractCounter.InitializeAtZero"/>) are exported from
    /// the first scrape, before the first request of their area.
    /// </summary>
    public static IServiceCollection CreateMetricsAtStart<TMetrics>(this IServiceCollection services)
        where TMetrics : class
    {
        services.AddHostedService(sp => new CreatedAtStart<TMetrics>(sp.GetRequiredService<TMetrics>()));
        return services;
    }

    private sealed class CreatedAtStart<TMetrics>(TMetrics metrics) : IHostedService
    {
        public TMetrics Metrics { get; } = metrics;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
