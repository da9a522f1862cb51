using HealthcareCms.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace HealthcareCms.Api.Audit;

/// <summary>
/// Writes each entry as one INSERT into <c>cms.audit_log</c>, inside the caller's transaction when there is
/// one (a raw statement: it never flushes the caller's other pending changes).
/// </summary>
internal sealed class DbAuditTrail(CmsDbContext db, TimeProvider time) : IAuditTrail
{
    public async Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        var occurredAt = time.GetUtcNow();
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO cms.audit_log (occurred_at, resource_type, resource_id, action, outcome, user_id, user_role, source_ip, request_id, decision_id)
            VALUES ({occurredAt}, {entry.ResourceType}, {entry.ResourceId}, {entry.Action}, {entry.Outcome}, {entry.UserId}, {entry.UserRole}, {entry.SourceIp}, {entry.RequestId}, {entry.DecisionId})
            """, cancellationToken);
    }
}

public static class AuditExtensions
{
    public static IHostApplicationBuilder AddAuditTrail(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<IAuditTrail, DbAuditTrail>();
        return builder;
    }
}
