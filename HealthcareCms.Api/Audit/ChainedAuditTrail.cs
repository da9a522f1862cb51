using System.Diagnostics;
using HealthcareCms.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace HealthcareCms.Api.Audit;

/// <summary>The audit write failed: the audited operation fails with it (no unaudited access).</summary>
public sealed class AuditWriteException(Exception inner) : Exception("The audit trail could not be written.", inner);

/// <summary>
/// Appends to the hash-chained <c>cms.audit_log</c>. Appends are serialized by locking the single
/// <c>cms.audit_chain_head</c> row FOR UPDATE inside the caller's transaction (or one of its own), so the
/// chain has no forks; the record and the new head commit or roll back with the audited change.
/// </summary>
internal sealed partial class ChainedAuditTrail(
    CmsDbContext db, ComplianceMetrics metrics, TimeProvider time, ILogger<ChainedAuditTrail> logger) : IAuditTrail
{
    public const string Observer = "api";

    private static readonly ActivitySource Activity = new("HealthcareCms.Audit");

    public async Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        using var activity = Activity.StartActivity("audit.append");
        activity?.SetTag("audit.resource_type", entry.ResourceType);
        activity?.SetTag("audit.action", entry.Action);
        try
        {
            await AppendAsync(entry, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            metrics.AuditWriteFailed();
            LogWriteFailed(logger, entry.ResourceType, entry.Action, ex.GetType().Name);
            throw new AuditWriteException(ex);
        }

        metrics.AuditEntryWritten(entry.ResourceType, entry.Action, entry.Outcome);
    }

    private async Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        var ownTransaction = db.Database.CurrentTransaction is null
            ? await db.Database.BeginTransactionAsync(cancellationToken)
            : null;
        await using (ownTransaction)
        {
            var head = await db.AuditChainHeads
                .FromSql($"SELECT * FROM cms.audit_chain_head WHERE id = 1 FOR UPDATE")
                .AsNoTracking()
                .SingleAsync(cancellationToken);

            var record = new AuditRecord
            {
                Id = head.LastSequence + 1,
                OccurredAt = AuditChain.ToStoredPrecision(time.GetUtcNow()),
                ResourceType = entry.ResourceType,
                ResourceId = entry.ResourceId,
                Action = entry.Action,
                FhirAction = AuditChain.FhirActionOf(entry.Action),
                Outcome = entry.Outcome,
                UserId = entry.UserId,
                UserRole = entry.UserRole,
                SourceIp = entry.SourceIp,
                RequestId = entry.RequestId,
                DecisionId = entry.DecisionId,
                Observer = Observer,
                PreviousHash = head.LastHash,
                Hash = "",
            };
            record.Hash = AuditChain.ComputeHash(record);

            // A raw INSERT: the caller's other pending changes are not flushed by an audit write.
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO cms.audit_log (id, occurred_at, resource_type, resource_id, action, fhir_action, outcome, user_id, user_role,
                    source_ip, request_id, decision_id, observer, previous_hash, hash)
                VALUES ({record.Id}, {record.OccurredAt}, {record.ResourceType}, {record.ResourceId}, {record.Action}, {record.FhirAction},
                    {record.Outcome}, {record.UserId}, {record.UserRole}, {record.SourceIp}, {record.RequestId}, {record.DecisionId},
                    {record.Observer}, {record.PreviousHash}, {record.Hash})
                """, cancellationToken);

            await db.AuditChainHeads
                .Where(h => h.Id == AuditChainHead.SingletonId)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(h => h.LastSequence, record.Id)
                    .SetProperty(h => h.LastHash, record.Hash), cancellationToken);

            if (ownTransaction is not null)
            {
                await ownTransaction.CommitAsync(cancellationToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit write failed for {ResourceType}/{Action} ({ErrorType}); the operation is refused")]
    private static partial void LogWriteFailed(ILogger logger, string resourceType, string action, string errorType);
}
