using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace HealthcareCms.Tests.Bench;

/// <summary>
/// <c>Telemetry:Enabled</c> (default true) decides whether a service registers OpenTelemetry at all and maps
/// <c>/metrics</c>: the benchmark harness's telemetry-off baseline is the same build with it false.
/// </summary>
public sealed class TelemetrySwitchTests
{
    [Theory]
    [InlineData(null, true)]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public async Task Telemetry_switch_decides_providers_and_the_metrics_endpoint(string? setting, bool enabled)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        if (setting is not null)
        {
            builder.Configuration[ServiceDefaultsExtensions.TelemetryEnabledKey] = setting;
        }

        builder.Configuration["ConnectionStrings:cmsdb"] = "Host=127.0.0.1;Port=1;Username=u;Password=p;Database=d";
        builder.AddServiceDefaults();
        // An Aspire client integration registers OpenTelemetry instrumentation of its own unless switched off too.
        builder.AddNpgsqlDataSource("cmsdb");
        await using var app = builder.Build();
        app.MapDefaultEndpoints();

        Assert.Equal(enabled, app.Services.GetService<MeterProvider>() is not null);
        Assert.Equal(enabled, app.Services.GetService<TracerProvider>() is not null);
        Assert.Equal(enabled, app.Services.GetServices<ILoggerProvider>().Any(p => p.GetType().Namespace!.StartsWith("OpenTelemetry", StringComparison.Ordinal)));

        var routes = ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
            .Select(endpoint => endpoint.RoutePattern.RawText).ToList();
        Assert.Equal(enabled, routes.Contains("/metrics"));
        Assert.Contains("/health", routes);
        Assert.Contains("/alive", routes);
    }
}
