using System.Security.Cryptography;
using System.Text;
using HealthcareCms.Api.Audit;
using HealthcareCms.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HealthcareCms.Api.Lgpd;

/// <summary>
/// Data-subject requests (LGPD Art. 18): accepted from anyone, answered only after the subject proves control
/// of the email with the emailed token, each due <see cref="LgpdOptions.RequestDeadlineDays"/> days after it
/// was made. Deletion anonymises the subscriber (name and email cleared, consents revoked) and keeps the
/// audit record of the deletion.
/// </summary>
public sealed class DataSubjectRequestService(
    CmsDbContext db, ConsentLedger ledger, IEmailSender email, RequestAuditor auditor, ComplianceMetrics metrics,
    TimeProvider time, IOptions<LgpdOptions> options)
{
    public const string PortabilityFormat = "application/vnd.healthcare-cms.lgpd-portability.v1+json";
    private const string AuditRequest = "lgpd_request";

    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public async Task<DataSubjectRequest> CreateAsync(string type, string normalizedEmail, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var request = new DataSubjectRequest
        {
            Id = Guid.CreateVersion7(),
            Type = type,
            State = DataSubjectRequestStates.AwaitingConfirmation,
            Email = normalizedEmail,
            TokenHash = HashToken(token),
            CreatedAt = now,
            DueAt = now.AddDays(options.Value.RequestDeadlineDays),
        };

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.DataSubjectRequests.Add(request);
        await email.QueueAsync(normalizedEmail, "Confirm your data request",
            $"Someone asked for '{type}' on the personal data of this address. To confirm it was you, send this token to "
            + $"POST /api/lgpd/requests/{request.Id}/confirm: {token}\nIf it was not you, ignore this message.", cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await auditor.RecordAsync(AuditRequest, request.Id.ToString(), "create", AuditOutcomes.Success, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        if (RequestEventOf(type) is { } eventType)
        {
            metrics.LgpdEvent(eventType);
        }

        return request;
    }

    /// <summary>
    /// Executes a confirmed request. The caller has checked the token. Null when the request was answered in the
    /// meantime: two confirmations racing are serialized on the request's row lock, and only the first executes.
    /// </summary>
    public async Task<DataSubjectResult?> ExecuteAsync(DataSubjectRequest request, string? correctedName, CancellationToken cancellationToken)
    {
        var revoked = new List<string>();
        var now = time.GetUtcNow();

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var state = await db.Database.SqlQuery<string>(
                $"SELECT state AS \"Value\" FROM cms.lgpd_requests WHERE id = {request.Id} FOR UPDATE")
            .ToListAsync(cancellationToken); // not composed: the lock clause stays the query's own
        if (state is not [var current] || current == DataSubjectRequestStates.Completed)
        {
            return null;
        }

        var subscriber = await db.Subscribers.SingleOrDefaultAsync(s => s.Email == request.Email, cancellationToken);
        DataSubjectResult result;
        if (subscriber is null)
        {
            result = request.Type == DataSubjectRequestTypes.SharingInfo
                ? new DataSubjectResult(false, SharedWith: options.Value.SharingRecipients)
                : new DataSubjectResult(false);
        }
        else
        {
            request.SubscriberId = subscriber.Id;
            result = request.Type switch
            {
                DataSubjectRequestTypes.Confirmation => new DataSubjectResult(true),
                DataSubjectRequestTypes.Access => new DataSubjectResult(true, await ExportAsync(subscriber, cancellationToken)),
                DataSubjectRequestTypes.Portability => new DataSubjectResult(true, await ExportAsync(subscriber, cancellationToken), PortabilityFormat),
                DataSubjectRequestTypes.SharingInfo => new DataSubjectResult(true, SharedWith: options.Value.SharingRecipients),
                DataSubjectRequestTypes.Correction => await CorrectAsync(subscriber, correctedName!, now, cancellationToken),
                DataSubjectRequestTypes.Revocation => new DataSubjectResult(true, RevokedPurposes: await RevokeAllAsync(subscriber, revoked, cancellationToken)),
                DataSubjectRequestTypes.Deletion => await AnonymiseAsync(subscriber, revoked, now, cancellationToken),
                _ => throw new InvalidOperationException("Unknown request type."),
            };

            var action = request.Type switch
            {
                DataSubjectRequestTypes.Access or DataSubjectRequestTypes.Portability => "export",
                DataSubjectRequestTypes.Correction => "update",
                DataSubjectRequestTypes.Revocation => "revoke",
                DataSubjectRequestTypes.Deletion => "anonymise",
                _ => "read",
            };
            await db.SaveChangesAsync(cancellationToken);
            await auditor.RecordAsync("subscriber", subscriber.Id.ToString(), action, AuditOutcomes.Success, cancellationToken);
        }

        // The confirmation message holds the token in clear; once the request is answered it has no purpose
        // (development outbox: a relay would have sent it already).
        var confirmLink = $"/api/lgpd/requests/{request.Id}/confirm";
        await db.OutboxEmails.Where(e => e.ToAddress == request.Email && e.Body.Contains(confirmLink)).ExecuteDeleteAsync(cancellationToken);
        request.State = DataSubjectRequestStates.Completed;
        request.CompletedAt = now;
        request.Email = null;
        await db.SaveChangesAsync(cancellationToken);
        await auditor.RecordAsync(AuditRequest, request.Id.ToString(), "update", AuditOutcomes.Success, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        foreach (var _ in revoked)
        {
            metrics.LgpdEvent(LgpdEventTypes.ConsentRevoked);
        }

        metrics.LgpdEvent(LgpdEventTypes.RequestCompleted);
        return result;
    }

    /// <summary>
    /// Marks open requests past their deadline as reported (once each, counted as <c>request_overdue</c>;
    /// safe with several replicas: one UPDATE decides) and returns how many were newly reported.
    /// </summary>
    public async Task<int> ReportOverdueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var reported = await db.DataSubjectRequests
            .Where(r => r.State != DataSubjectRequestStates.Completed && r.DueAt < now && r.OverdueReportedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.OverdueReportedAt, now), cancellationToken);
        for (var i = 0; i < reported; i++)
        {
            metrics.LgpdEvent(LgpdEventTypes.RequestOverdue);
        }

        return reported;
    }

    public static string? RequestEventOf(string type) => type switch
    {
        DataSubjectRequestTypes.Confirmation or DataSubjectRequestTypes.Access or DataSubjectRequestTypes.SharingInfo => LgpdEventTypes.AccessRequest,
        DataSubjectRequestTypes.Correction => LgpdEventTypes.CorrectionRequest,
        DataSubjectRequestTypes.Deletion => LgpdEventTypes.DeletionRequest,
        DataSubjectRequestTypes.Portability => LgpdEventTypes.PortabilityRequest,
        _ => null,
    };

    private async Task<SubjectDataView> ExportAsync(Subscriber subscriber, CancellationToken cancellationToken)
    {
        var history = await ledger.HistoryAsync(subscriber.Id, cancellationToken);
        var current = await ledger.CurrentPurposesAsync(subscriber.Id, cancellationToken);
        return new SubjectDataView(subscriber.Name, subscriber.Email, subscriber.CreatedAt, current,
            history.Select(r => new ConsentEntryView(r.Purpose, r.Action, r.PolicyVersion, r.Channel, r.RecordedAt)).ToList());
    }

    private async Task<DataSubjectResult> CorrectAsync(Subscriber subscriber, string name, DateTimeOffset now, CancellationToken cancellationToken)
    {
        subscriber.Name = name;
        subscriber.UpdatedAt = now;
        return new DataSubjectResult(true, await ExportAsync(subscriber, cancellationToken));
    }

    private async Task<IReadOnlyList<string>> RevokeAllAsync(Subscriber subscriber, List<string> revoked, CancellationToken cancellationToken)
    {
        foreach (var purpose in await ledger.CurrentPurposesAsync(subscriber.Id, cancellationToken))
        {
            ledger.Append(subscriber.Id, purpose, ConsentActions.Revoke, ConsentChannels.DataSubjectRequest);
            revoked.Add(purpose);
        }

        return revoked;
    }

    private async Task<DataSubjectResult> AnonymiseAsync(Subscriber subscriber, List<string> revoked, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await RevokeAllAsync(subscriber, revoked, cancellationToken);
        var address = subscriber.Email;
        subscriber.Name = null;
        subscriber.Email = null;
        subscriber.AnonymisedAt = now;
        subscriber.UpdatedAt = now;

        // Undelivered mail and other requests keep the address: they go too.
        await db.OutboxEmails.Where(e => e.ToAddress == address).ExecuteDeleteAsync(cancellationToken);
        await db.DataSubjectRequests.Where(r => r.Email == address)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Email, (string?)null), cancellationToken);
        return new DataSubjectResult(true, RevokedPurposes: revoked, Anonymised: true);
    }
}

/// <summary>Reports overdue data-subject requests periodically (the overdue report endpoint does it too).</summary>
internal sealed partial class DataSubjectDeadlineMonitor(
    IServiceProvider services, IOptions<LgpdOptions> options, DatabaseMigrationState migrations, ILogger<DataSubjectDeadlineMonitor> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.OverdueScanInterval);
        do
        {
            if (!migrations.IsReady)
            {
                continue;
            }

            try
            {
                await using var scope = services.CreateAsyncScope();
                var reported = await scope.ServiceProvider.GetRequiredService<DataSubjectRequestService>().ReportOverdueAsync(stoppingToken);
                if (reported > 0)
                {
                    LogOverdue(logger, reported);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Retried at the next tick; a background loop that throws would stop the whole Api.
                LogScanFailed(logger, ex.GetType().Name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} data-subject requests became overdue")]
    private static partial void LogOverdue(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Overdue scan failed ({ErrorType}); retrying at the next tick")]
    private static partial void LogScanFailed(ILogger logger, string errorType);
}
