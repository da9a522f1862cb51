using System.Security.Claims;
using HealthcareCms.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HealthcareCms.Api.Identity;

/// <summary>
/// What a policy decision needs to know about the subject that the token cannot say, read from identity's
/// tables on every authenticated request (with the session check, one round trip): whether the account is
/// disabled now, and its failed logins in the current lockout window. Set as a request feature by the
/// session check; the enforcement point (<c>PolicyServiceAccessDecider</c>) sends it to the policy service.
/// </summary>
public sealed record SubjectStanding(bool Disabled, int RecentFailedLogins)
{
    public const string Active = "active";
    public const string DisabledStatus = "disabled";

    public string Status => Disabled ? DisabledStatus : Active;

    /// <summary>
    /// The session check: whether <paramref name="user"/>'s session (<c>sid</c>) is live, reading the subject's standing
    /// in the same query and setting it on <paramref name="http"/> for the enforcement point. Used by every
    /// authenticated request (JWT validation) and again by each live-hub join (a connection outlives its request).
    /// </summary>
    public static async Task<bool> CheckSessionAsync(
        HttpContext http, ClaimsPrincipal user, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(user.FindFirst(CmsClaims.SessionId)?.Value, out var sessionId)
            || !Guid.TryParse(user.FindFirst(CmsClaims.Subject)?.Value, out var userId))
        {
            return false;
        }

        var standing = await ReadAsync(
            services.GetRequiredService<CmsDbContext>(), sessionId, userId,
            services.GetRequiredService<TimeProvider>().GetUtcNow(),
            services.GetRequiredService<IOptions<IdentitySettings>>().Value.Lockout.Window,
            cancellationToken);
        if (standing is null)
        {
            return false;
        }

        http.Features.Set(standing);
        return true;
    }

    /// <summary>
    /// The standing of <paramref name="userId"/> if <paramref name="sessionId"/> is one of their live sessions
    /// (not revoked, not expired), else null. Failed logins are counted under the login throttle's key
    /// (SHA-256 of the normalized email, <see cref="LoginThrottleStore.KeyFor"/>) and only while their window is open.
    /// </summary>
    public static async Task<SubjectStanding?> ReadAsync(
        CmsDbContext db, Guid sessionId, Guid userId, DateTimeOffset now, TimeSpan lockoutWindow, CancellationToken cancellationToken)
    {
        var windowStart = now - lockoutWindow;
        var rows = await db.Database.SqlQuery<StandingRow>($"""
            SELECT u.is_disabled AS disabled,
                   COALESCE((SELECT t.failure_count FROM cms.login_throttles t
                             WHERE t.key_hash = sha256(convert_to(u.normalized_email, 'UTF8'))
                               AND t.window_started_at > {windowStart}), 0) AS recent_failed_logins
            FROM cms.sessions s
            JOIN cms.users u ON u.id = s.user_id
            WHERE s.id = {sessionId} AND s.user_id = {userId} AND s.revoked_at IS NULL AND s.expires_at > {now}
            """).ToListAsync(cancellationToken);
        return rows is [var row] ? new SubjectStanding(row.Disabled, row.RecentFailedLogins) : null;
    }

    internal sealed record StandingRow(bool Disabled, int RecentFailedLogins);
}
