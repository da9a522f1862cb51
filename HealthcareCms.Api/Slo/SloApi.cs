using HealthcareCms.Api.Audit;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HealthcareCms.Api.Slo;

/// <summary>
/// <c>GET /api/slo</c>: each SLO's current 30-day value, target, error budget remaining and burn rate,
/// read from Prometheus's recording rules; <c>unknown</c> when Prometheus cannot be read or has no data.
/// Admin only: Program.cs maps it with <c>.RequireAuthorization(Policies.Admin)</c> (CONTRACTS §1).
/// </summary>
public static class SloApi
{
    public const string PrometheusUrlKey = "Prometheus:Url";

    public static IHostApplicationBuilder AddSloServices(this IHostApplicationBuilder builder)
    {
        var url = builder.Configuration[PrometheusUrlKey];
        builder.Services.AddHttpClient<PrometheusSloReader>(client =>
        {
            // Without a configured Prometheus every objective reads as unknown (the request fails at once).
            client.BaseAddress = new Uri(string.IsNullOrWhiteSpace(url) ? "http://prometheus.invalid" : url);
        });
        return builder;
    }

    public static RouteGroupBuilder MapSloApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/slo").WithTags("SLO").AuditedAs("slo");
        group.MapGet("/", GetSloReport)
            .WithName("GetSloReport")
            .WithSummary("Each SLO's 30-day value, target, error budget remaining and burn rate, from Prometheus.");
        return group;
    }

    public static async Task<Ok<SloReport>> GetSloReport(PrometheusSloReader reader, CancellationToken cancellationToken) =>
        TypedResults.Ok(await reader.ReadAsync(cancellationToken));
}
