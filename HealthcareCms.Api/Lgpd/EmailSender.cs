using HealthcareCms.Api.Data;

namespace HealthcareCms.Api.Lgpd;

/// <summary>Sends a transactional email (confirmation tokens, newsletter messages).</summary>
public interface IEmailSender
{
    /// <summary>Queues the message in the caller's unit of work: it is sent only if the work commits.</summary>
    Task QueueAsync(string to, string subject, string body, CancellationToken cancellationToken);
}

/// <summary>
/// The development sender: messages are written to <c>cms.outbox_emails</c> in the same transaction as the
/// change that caused them (a relay to SMTP would read that table; tests read it to get tokens). Nothing is
/// logged: the messages carry addresses and tokens.
/// </summary>
internal sealed class OutboxEmailSender(CmsDbContext db, TimeProvider time) : IEmailSender
{
    public Task QueueAsync(string to, string subject, string body, CancellationToken cancellationToken)
    {
        db.OutboxEmails.Add(new OutboxEmail
        {
            Id = Guid.CreateVersion7(),
            ToAddress = to,
            Subject = subject,
            Body = body,
            CreatedAt = time.GetUtcNow(),
        });
        return Task.CompletedTask;
    }
}
