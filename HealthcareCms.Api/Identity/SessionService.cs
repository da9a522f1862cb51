using System.Diagnostics;
using System.Security.Cryptography;
using HealthcareCms.Api.Audit;
using HealthcareCms.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HealthcareCms.Api.Identity;

/// <summary>What a login or refresh produced: tokens, or the result the caller maps to a status code.</summary>
public sealed record SessionOutcome(TokenResponse? Tokens, DateTimeOffset? SessionExpiresAt, TimeSpan? RetryAfter = null)
{
    public bool Succeeded => Tokens is not null;
}

public sealed record AuditSource(string? SourceIp, string? RequestId);

/// <summary>Logins, refresh-token rotation with reuse detection, and logout. PostgreSQL is the only state.</summary>
public sealed partial class SessionService(
    CmsDbContext db,
    PasswordHasher hasher,
    LoginThrottleStore throttle,
    AccessTokens accessTokens,
    MfaSecretProtector mfaProtector,
    IAuditTrail audit,
    AuthMetrics metrics,
    IOptions<IdentitySettings> settings,
    TimeProvider time,
    ILogger<SessionService> logger)
{
    public static readonly ActivitySource ActivitySource = new("HealthcareCms.Identity");
    private const int RefreshTokenBytes = 32;

    public async Task<(LoginResult Result, SessionOutcome Outcome)> LoginAsync(
        string email, string password, string? totp, AuditSource source, CancellationToken cancellationToken)
    {
        using var activity = ActivitySource.StartActivity("identity.login");
        var normalized = User.Normalize(email);
        var key = LoginThrottleStore.KeyFor(normalized);

        var (result, outcome) = await AuthenticateAsync(normalized, key, password, totp, source, cancellationToken);
        activity?.SetTag("healthcare.auth.result", AuthMetrics.Tag(result));
        metrics.LoginAttempt(result);
        if (result != LoginResult.Success)
        {
            LogLoginRefused(logger, AuthMetrics.Tag(result));
        }

        return (result, outcome);
    }

    private async Task<(LoginResult, SessionOutcome)> AuthenticateAsync(
        string normalizedEmail, byte[] key, string password, string? totp, AuditSource source, CancellationToken cancellationToken)
    {
        if (await throttle.LockedForAsync(key, cancellationToken) is { } lockedFor)
        {
            await AuditLoginAsync(null, null, AuditOutcomes.Denied, source, cancellationToken);
            return (LoginResult.LockedOut, new SessionOutcome(null, null, lockedFor));
        }

        var user = await db.Users.FirstOrDefaultAsync(u => u.NormalizedEmail == normalizedEmail, cancellationToken);
        var passwordOk = user is null ? hasher.VerifyDummy(password) : hasher.Verify(password, user.PasswordHash);
        if (user is null || !passwordOk || user.IsDisabled)
        {
            await throttle.RecordFailureAsync(key, cancellationToken);
            await AuditLoginAsync(user?.Id, user?.Role, AuditOutcomes.Failure, source, cancellationToken);
            return (LoginResult.InvalidCredentials, new SessionOutcome(null, null));
        }

        var mfa = false;
        if (user.MfaSecret is not null)
        {
            if (string.IsNullOrEmpty(totp))
            {
                // The password was right: the client asks for the second factor. Not a failed attempt.
                await AuditLoginAsync(user.Id, user.Role, AuditOutcomes.Failure, source, cancellationToken);
                return (LoginResult.MfaRequired, new SessionOutcome(null, null));
            }

            var step = Totp.Verify(mfaProtector.Unprotect(user.MfaSecret, user.Id), totp, time.GetUtcNow(), user.MfaLastStep);
            // Spending the step is atomic: of two concurrent logins with one code, only one gets it.
            var spent = step is not null && await db.Users
                .Where(u => u.Id == user.Id && (u.MfaLastStep == null || u.MfaLastStep < step))
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.MfaLastStep, step), cancellationToken) == 1;
            if (!spent)
            {
                await throttle.RecordFailureAsync(key, cancellationToken);
                await AuditLoginAsync(user.Id, user.Role, AuditOutcomes.Failure, source, cancellationToken);
                return (LoginResult.MfaFailed, new SessionOutcome(null, null));
            }

            mfa = true;
        }

        var outcome = await InTransactionAsync(async () =>
        {
            var now = time.GetUtcNow();
            var session = new Session
            {
                Id = Guid.NewGuid(),
                UserId = user.Id,
                CreatedAt = now,
                ExpiresAt = now + settings.Value.Session.AbsoluteLifetime,
                Mfa = mfa,
            };
            db.Sessions.Add(session);
            var refreshToken = AddRefreshToken(session.Id, now);
            await db.SaveChangesAsync(cancellationToken);
            await throttle.ResetAsync(key, cancellationToken);
            await audit.RecordAsync(Entry("session", session.Id, "login", AuditOutcomes.Success, user.Id, user.Role, source), cancellationToken);
            return Outcome(user, session, refreshToken);
        }, cancellationToken);
        return (LoginResult.Success, outcome);
    }

    public async Task<(RefreshResult Result, SessionOutcome Outcome)> RefreshAsync(
        string? presentedToken, AuditSource source, CancellationToken cancellationToken)
    {
        using var activity = ActivitySource.StartActivity("identity.refresh");
        var (result, outcome) = string.IsNullOrEmpty(presentedToken) || presentedToken.Length > 100
            ? (RefreshResult.Invalid, new SessionOutcome(null, null))
            : await InTransactionAsync(() => RotateAsync(HashToken(presentedToken), source, cancellationToken), cancellationToken);
        activity?.SetTag("healthcare.auth.result", AuthMetrics.Tag(result));
        metrics.TokenRefresh(result);
        if (result == RefreshResult.Reused)
        {
            LogReuseDetected(logger);
        }

        return (result, outcome);
    }

    private async Task<(RefreshResult, SessionOutcome)> RotateAsync(byte[] tokenHash, AuditSource source, CancellationToken cancellationToken)
    {
        var none = new SessionOutcome(null, null);
        var token = await db.RefreshTokens.AsNoTracking().FirstOrDefaultAsync(t => t.TokenHash == tokenHash, cancellationToken);
        if (token is null)
        {
            return (RefreshResult.Invalid, none);
        }

        var session = await db.Sessions.AsNoTracking().FirstAsync(s => s.Id == token.SessionId, cancellationToken);
        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == session.UserId, cancellationToken);
        var now = time.GetUtcNow();

        var claimed = token.UsedAt is null && await db.RefreshTokens
            .Where(t => t.Id == token.Id && t.UsedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), cancellationToken) == 1;
        if (!claimed)
        {
            // Reuse of a spent token: whoever holds the family is not trusted any more, newest token included.
            await RevokeAsync(session.Id, SessionRevocation.RefreshTokenReuse, cancellationToken);
            await audit.RecordAsync(Entry("session", session.Id, "revoke", AuditOutcomes.Denied, user.Id, user.Role, source), cancellationToken);
            return (RefreshResult.Reused, none);
        }

        if (session.RevokedAt is not null || user.IsDisabled)
        {
            await audit.RecordAsync(Entry("session", session.Id, "refresh", AuditOutcomes.Denied, user.Id, user.Role, source), cancellationToken);
            return (RefreshResult.Invalid, none);
        }

        if (session.ExpiresAt <= now)
        {
            await audit.RecordAsync(Entry("session", session.Id, "refresh", AuditOutcomes.Denied, user.Id, user.Role, source), cancellationToken);
            return (RefreshResult.Expired, none);
        }

        var next = AddRefreshToken(session.Id, now);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(Entry("session", session.Id, "refresh", AuditOutcomes.Success, user.Id, user.Role, source), cancellationToken);
        return (RefreshResult.Success, Outcome(user, session, next));
    }

    public async Task LogoutAsync(Guid sessionId, Guid userId, string? role, AuditSource source, CancellationToken cancellationToken)
    {
        using var activity = ActivitySource.StartActivity("identity.logout");
        await InTransactionAsync(async () =>
        {
            await RevokeAsync(sessionId, SessionRevocation.Logout, cancellationToken);
            await audit.RecordAsync(Entry("session", sessionId, "logout", AuditOutcomes.Success, userId, role, source), cancellationToken);
            return true;
        }, cancellationToken);
        metrics.Logout();
    }

    /// <summary>Ends every session of a user (account disabled).</summary>
    public Task<int> RevokeAllAsync(Guid userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return db.Sessions.Where(s => s.UserId == userId && s.RevokedAt == null)
            .ExecuteUpdateAsync(s => s
                .SetProperty(x => x.RevokedAt, now)
                .SetProperty(x => x.RevocationReason, SessionRevocation.AccountDisabled), cancellationToken);
    }

    private Task<int> RevokeAsync(Guid sessionId, string reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return db.Sessions.Where(s => s.Id == sessionId && s.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, now).SetProperty(x => x.RevocationReason, reason), cancellationToken);
    }

    private string AddRefreshToken(Guid sessionId, DateTimeOffset now)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(RefreshTokenBytes));
        db.RefreshTokens.Add(new RefreshToken { Id = Guid.NewGuid(), SessionId = sessionId, TokenHash = HashToken(token), CreatedAt = now });
        return token;
    }

    private SessionOutcome Outcome(User user, Session session, string refreshToken) => new(
        new TokenResponse(accessTokens.Issue(user, session), (int)accessTokens.Lifetime.TotalSeconds, refreshToken),
        session.ExpiresAt);

    private Task AuditLoginAsync(Guid? userId, string? role, string outcome, AuditSource source, CancellationToken cancellationToken) =>
        audit.RecordAsync(new AuditEntry("session", null, "login", outcome, userId, role, source.SourceIp, source.RequestId), cancellationToken);

    private static AuditEntry Entry(string type, Guid id, string action, string outcome, Guid userId, string? role, AuditSource source) =>
        new(type, id.ToString(), action, outcome, userId, role, source.SourceIp, source.RequestId);

    /// <summary>One transaction under the retrying execution strategy (a retry starts from a clean slate).</summary>
    private Task<T> InTransactionAsync<T>(Func<Task<T>> operation, CancellationToken cancellationToken) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var result = await operation();
            await transaction.CommitAsync(ct);
            return result;
        }, cancellationToken);

    public static byte[] HashToken(string token) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [LoggerMessage(Level = LogLevel.Information, Message = "Login refused: {Result}")]
    private static partial void LogLoginRefused(ILogger logger, string result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refresh-token reuse detected; the token family was revoked")]
    private static partial void LogReuseDetected(ILogger logger);
}
