namespace HealthcareCms.Api.Identity;

/// <summary>
/// The claims of a Healthcare CMS access token (JWT, validated with MapInboundClaims = false, so these are
/// the claim types on <c>HttpContext.User</c>). Name claim: <see cref="Subject"/>; role claim: <see cref="Role"/>.
/// </summary>
public static class CmsClaims
{
    /// <summary>The user id (GUID).</summary>
    public const string Subject = "sub";

    /// <summary>One of <see cref="Roles"/>.</summary>
    public const string Role = "role";

    /// <summary>Authentication methods: always <c>pwd</c>; <c>mfa</c> and <c>otp</c> once a TOTP code was verified.</summary>
    public const string AuthenticationMethods = "amr";

    /// <summary>Unix seconds when the session (refresh-token family) began.</summary>
    public const string AuthTime = "auth_time";

    /// <summary>The session (refresh-token family) id.</summary>
    public const string SessionId = "sid";

    public const string TokenId = "jti";

    public const string Issuer = "healthcare-cms";
    public const string Audience = "healthcare-cms-api";

    public const string PasswordMethod = "pwd";
    public const string MfaMethod = "mfa";
}

public static class Roles
{
    public const string Admin = "admin";
    public const string Editor = "editor";
    public const string Physician = "physician";
    public const string Reviewer = "reviewer";
    public const string Dpo = "dpo";
    public const string Reader = "reader";

    public static readonly string[] All = [Admin, Editor, Physician, Reviewer, Dpo, Reader];

    /// <summary>Roles that can reach PHI, and so need MFA for a PHI-capable session.</summary>
    public static readonly string[] PhiCapable = [Physician, Dpo, Admin];
}
