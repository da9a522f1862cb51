using System.Diagnostics;
using HealthcareCms.Policy.Decisions;
using HealthcareCms.ServiceDefaults.Correlation;

namespace HealthcareCms.Policy.Status;

public sealed record CorrelationEcho(string? RequestId, string? HealthcareTraceId, string? TraceId);

public sealed record PolicyStatus(string Service, string Status, string PolicyVersion, CorrelationEcho Correlation);

public static class StatusApi
{
    public static IEndpointRouteBuilder MapStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/status", GetStatus)
            .WithName("GetPolicyStatus")
            .WithSummary("The policy service's status, active policy version and the correlation ids it received.")
            .WithTags("Status");
        return app;
    }

    public static PolicyStatus GetStatus(PolicyEngine engine) =>
        new("policy", "ok", engine.PolicyVersion, new CorrelationEcho(
            RequestCorrelation.Current?.RequestId,
            RequestCorrelation.Current?.HealthcareTraceId,
            Activity.Current?.TraceId.ToHexString()));
}
