using HealthcareCms.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace HealthcareCms.Api.Audit;

/// <param name="Valid">True when every record matches its hash, links to its predecessor and the head.</param>
/// <param name="CheckedEntries">How many records were checked.</param>
/// <param name="FirstInvalidSequence">The first record that breaks the chain.</param>
/// <param name="Problem"><c>hash_mismatch</c> (a record was altered), <c>broken_link</c>, <c>missing_entries</c>
/// (a record was deleted) or <c>head_mismatch</c> (the tail was removed).</param>
public sealed record AuditVerification(bool Valid, long CheckedEntries, long? FirstInvalidSequence, string? Problem);

/// <summary>Walks the whole chain in sequence order and recomputes every hash.</summary>
public sealed class AuditVerifier(CmsDbContext db)
{
    private const int BatchSize = 1000;

    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken)
    {
        var head = await db.AuditChainHeads.AsNoTracking().SingleAsync(cancellationToken);
        var previousHash = AuditChain.GenesisHash;
        long previousSequence = 0;
        long checkedEntries = 0;

        while (true)
        {
            // Only up to the head read above: records appended while the walk runs are not a broken tail.
            var batch = await db.AuditLog.AsNoTracking()
                .Where(r => r.Id > previousSequence && r.Id <= head.LastSequence)
                .OrderBy(r => r.Id)
                .Take(BatchSize)
                .ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            foreach (var record in batch)
            {
                checkedEntries++;
                if (record.Id != previousSequence + 1)
                {
                    return new AuditVerification(false, checkedEntries, previousSequence + 1, "missing_entries");
                }

                if (record.PreviousHash != previousHash)
                {
                    return new AuditVerification(false, checkedEntries, record.Id, "broken_link");
                }

                if (AuditChain.ComputeHash(record) != record.Hash)
                {
                    return new AuditVerification(false, checkedEntries, record.Id, "hash_mismatch");
                }

                previousSequence = record.Id;
                previousHash = record.Hash;
            }
        }

        return head.LastSequence == previousSequence && head.LastHash == previousHash
            ? new AuditVerification(true, checkedEntries, null, null)
            : new AuditVerification(false, checkedEntries, previousSequence + 1, "head_mismatch");
    }
}
