using System.Security.Cryptography;
using System.Text;
using HealthcareCms.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HealthcareCms.Api.Identity;

/// <summary>Per-account lockout: N failures within the window lock the email for the lockout duration.</summary>
public sealed class LoginThrottleStore(CmsDbContext db, IOptions<IdentitySettings> settings, TimeProvider time)
{
    /// <summary>The throttle key of an email. <see cref="SubjectStanding.ReadAsync"/> computes the same key in SQL
    /// (<c>sha256(convert_to(normalized_email, 'UTF8'))</c>): change both together.</summary>
    public static byte[] KeyFor(string normalizedEmail) => SHA256.HashData(Encoding.UTF8.GetBytes(normalizedEmail));

    /// <summary>How long the email stays locked, or null when it is not locked.</summary>
    public async Task<TimeSpan?> LockedForAsync(byte[] key, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var lockedUntil = await db.LoginThrottles.AsNoTracking()
            .Where(t => t.KeyHash == key)
            .Select(t => t.LockedUntil)
            .FirstOrDefaultAsync(cancellationToken);
        return lockedUntil is { } until && until > now ? until - now : null;
    }

    /// <summary>Counts one failure atomically (one upsert, safe across replicas).</summary>
    public Task RecordFailureAsync(byte[] key, CancellationToken cancellationToken)
    {
        var lockout = settings.Value.Lockout;
        var now = time.GetUtcNow();
        var windowStart = now - lockout.Window;
        var lockUntil = now + lockout.Duration;
        var max = lockout.MaxFailures;
        return db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO cms.login_throttles AS t (key_hash, failure_count, window_started_at, locked_until)
            VALUES ({key}, 1, {now}, CASE WHEN 1 >= {max} THEN {lockUntil} ELSE NULL END)
            ON CONFLICT (key_hash) DO UPDATE SET
                failure_count = CASE WHEN t.window_started_at <= {windowStart} THEN 1 ELSE t.failure_count + 1 END,
                window_started_at = CASE WHEN t.window_started_at <= {windowStart} THEN {now} ELSE t.window_started_at END,
                locked_until = CASE
                    WHEN (CASE WHEN t.window_started_at <= {windowStart} THEN 1 ELSE t.failure_count + 1 END) >= {max} THEN {lockUntil}
                    ELSE t.locked_until END
            """, cancellationToken);
    }

    public Task ResetAsync(byte[] key, CancellationToken cancellationToken) =>
        db.LoginThrottles.Where(t => t.KeyHash == key).ExecuteDeleteAsync(cancellationToken);
}
