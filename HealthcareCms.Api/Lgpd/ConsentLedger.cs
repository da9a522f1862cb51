using HealthcareCms.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace HealthcareCms.Api.Lgpd;

public sealed class LgpdOptions
{
    public const string SectionName = "Lgpd";

    /// <summary>The privacy-policy version consents are recorded under.</summary>
    public string PrivacyPolicyVersion { get; set; } = "2026-01";

    /// <summary>Days to answer a data-subject request (LGPD Art. 19: 15).</summary>
    public int RequestDeadlineDays { get; set; } = 15;

    /// <summary>How often the deadline monitor looks for overdue requests.</summary>
    public TimeSpan OverdueScanInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Who personal data is shared with, answered to <c>sharing_info</c> requests.</summary>
    public List<string> SharingRecipients { get; set; } = [];
}

/// <summary>Processing for a purpose the subject has not consented to (or has revoked).</summary>
public sealed class ConsentRequiredException(string purpose) : Exception($"No current consent for '{purpose}'.")
{
    public string Purpose { get; } = purpose;
}

/// <summary>
/// The append-only consent ledger (LGPD Art. 8). The current consent for a purpose is the latest record for
/// it; nothing is ever updated or deleted (the database rejects both).
/// </summary>
public sealed class ConsentLedger(CmsDbContext db, TimeProvider time, Microsoft.Extensions.Options.IOptions<LgpdOptions> options)
{
    public void Append(Guid subscriberId, string purpose, string action, string channel) =>
        db.ConsentRecords.Add(new ConsentRecord
        {
            Id = Guid.CreateVersion7(),
            SubscriberId = subscriberId,
            Purpose = purpose,
            Action = action,
            PolicyVersion = options.Value.PrivacyPolicyVersion,
            Channel = channel,
            RecordedAt = time.GetUtcNow(),
        });

    /// <summary>Purposes whose latest ledger entry is a grant.</summary>
    public async Task<IReadOnlyList<string>> CurrentPurposesAsync(Guid subscriberId, CancellationToken cancellationToken)
    {
        var latest = await db.ConsentRecords.AsNoTracking()
            .Where(r => r.SubscriberId == subscriberId)
            .GroupBy(r => r.Purpose)
            .Select(g => g.OrderByDescending(r => r.RecordedAt).ThenByDescending(r => r.Id).First())
            .ToListAsync(cancellationToken);
        return latest.Where(r => r.Action == ConsentActions.Grant).Select(r => r.Purpose).Order().ToList();
    }

    public async Task RequireConsentAsync(Guid subscriberId, string purpose, CancellationToken cancellationToken)
    {
        if (!(await CurrentPurposesAsync(subscriberId, cancellationToken)).Contains(purpose))
        {
            throw new ConsentRequiredException(purpose);
        }
    }

    public Task<List<ConsentRecord>> HistoryAsync(Guid subscriberId, CancellationToken cancellationToken) =>
        db.ConsentRecords.AsNoTracking()
            .Where(r => r.SubscriberId == subscriberId)
            .OrderBy(r => r.RecordedAt).ThenBy(r => r.Id)
            .ToListAsync(cancellationToken);
}
