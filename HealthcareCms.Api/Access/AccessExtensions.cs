using HealthcareCms.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace HealthcareCms.Api.Access;

public static class AccessExtensions
{
    /// <summary>
    /// Registers <see cref="PolicyServiceAccessDecider"/> as the <see cref="IAccessDecider"/>: a typed HttpClient
    /// to the policy service whose resilience is set here explicitly (replacing the service defaults'):
    /// 200 ms per attempt and in total, one immediate retry of a transient failure inside that budget, and a
    /// circuit breaker so a failing policy service is not waited on.
    /// </summary>
    public static IHostApplicationBuilder AddAccessEnforcement(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AccessOptions>().BindConfiguration(AccessOptions.Section);
        builder.Services.AddAccessEnforcementServices();
        builder.Services.AddHostedService<PolicyServiceWarmup>();
        return builder;
    }

    public static IServiceCollection AddAccessEnforcementServices(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AllowDecisionCache>();
        services.AddSingleton<SubjectRequestRate>();
        services.AddSingleton<EnforcementMetrics>().ResolveAtStart<EnforcementMetrics>();
        var client = services.AddHttpClient<IAccessDecider, PolicyServiceAccessDecider>((sp, http) =>
            http.BaseAddress = sp.GetRequiredService<IOptions<AccessOptions>>().Value.PolicyServiceUrl);
        // The service defaults put a standard handler (10 s attempts) on every client; this one replaces it.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental; it is the documented way to replace the defaults.
        client.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        client.AddStandardResilienceHandler().Configure((resilience, sp) =>
            ConfigureResilience(resilience, sp.GetRequiredService<IOptions<AccessOptions>>().Value));
        return services;
    }

    internal static void ConfigureResilience(HttpStandardResilienceOptions resilience, AccessOptions access)
    {
        resilience.TotalRequestTimeout.Timeout = access.DecisionTimeout;
        resilience.AttemptTimeout.Timeout = access.DecisionTimeout;
        resilience.Retry.MaxRetryAttempts = 1;
        resilience.Retry.Delay = TimeSpan.Zero;
        resilience.Retry.BackoffType = DelayBackoffType.Constant;
        resilience.Retry.UseJitter = false;
        resilience.CircuitBreaker.FailureRatio = access.CircuitFailureRatio;
        resilience.CircuitBreaker.MinimumThroughput = access.CircuitMinimumThroughput;
        resilience.CircuitBreaker.SamplingDuration = access.CircuitSamplingDuration;
        resilience.CircuitBreaker.BreakDuration = access.CircuitBreakDuration;
    }
}
