using System.Security.Cryptography;
using HealthcareCms.Api.Audit;
using HealthcareCms.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace HealthcareCms.Api.Identity;

public enum MfaVerifyResult
{
    Activated,
    NotEnrolled,
    InvalidCode,
}

/// <summary>TOTP enrolment: a pending secret, activated by one valid code. Secrets are encrypted at rest.</summary>
public sealed class MfaService(CmsDbContext db, MfaSecretProtector protector, IAuditTrail audit, TimeProvider time)
{
    /// <summary>A new pending secret, or null when MFA is already active (re-enrolment needs an admin reset).</summary>
    public async Task<MfaEnrollment?> EnrollAsync(Guid userId, CancellationToken cancellationToken)
    {
        var user = await db.Users.FirstAsync(u => u.Id == userId, cancellationToken);
        if (user.MfaEnabled)
        {
            return null;
        }

        var secret = RandomNumberGenerator.GetBytes(Totp.SecretBytes);
        user.MfaPendingSecret = protector.Protect(secret, user.Id);
        await db.SaveChangesAsync(cancellationToken);
        var base32 = Base32.Encode(secret);
        return new MfaEnrollment(base32, Totp.OtpAuthUri(base32, user.Email));
    }

    public async Task<MfaVerifyResult> VerifyAsync(
        Guid userId, string? role, string? code, AuditSource source, CancellationToken cancellationToken)
    {
        var user = await db.Users.FirstAsync(u => u.Id == userId, cancellationToken);
        if (user.MfaPendingSecret is null)
        {
            return MfaVerifyResult.NotEnrolled;
        }

        var step = Totp.Verify(protector.Unprotect(user.MfaPendingSecret, user.Id), code, time.GetUtcNow(), user.MfaLastStep);
        if (step is null)
        {
            await audit.RecordAsync(new AuditEntry("user", user.Id.ToString(), "verify", AuditOutcomes.Failure, userId, role,
                source.SourceIp, source.RequestId), cancellationToken);
            return MfaVerifyResult.InvalidCode;
        }

        user.MfaSecret = user.MfaPendingSecret;
        user.MfaPendingSecret = null;
        user.MfaLastStep = step;
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEntry("user", user.Id.ToString(), "verify", AuditOutcomes.Success, userId, role,
            source.SourceIp, source.RequestId), cancellationToken);
        return MfaVerifyResult.Activated;
    }
}
