using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace HealthcareCms.Api.Identity;

/// <summary>Issues access tokens (RFC 9068 <c>at+jwt</c>, HS256) and holds their validation rules.</summary>
public sealed class AccessTokens(KeyMaterial keys, IOptions<IdentitySettings> settings, TimeProvider time)
{
    /// <summary>The JOSE <c>typ</c> of an access token; any other type (or none) is refused.</summary>
    public const string TokenType = "at+jwt";

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public TimeSpan Lifetime => settings.Value.Jwt.AccessTokenLifetime;

    public string Issue(User user, Session session)
    {
        var now = time.GetUtcNow();
        string[] amr = session.Mfa
            ? [CmsClaims.PasswordMethod, CmsClaims.MfaMethod, "otp"]
            : [CmsClaims.PasswordMethod];
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = CmsClaims.Issuer,
            Audience = CmsClaims.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + Lifetime).UtcDateTime,
            TokenType = TokenType,
            SigningCredentials = new SigningCredentials(keys.SigningKey, SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                [CmsClaims.Subject] = user.Id.ToString(),
                [CmsClaims.Role] = user.Role,
                [CmsClaims.AuthenticationMethods] = amr,
                [CmsClaims.AuthTime] = session.CreatedAt.ToUnixTimeSeconds(),
                [CmsClaims.SessionId] = session.Id.ToString(),
                [CmsClaims.TokenId] = Guid.NewGuid().ToString(),
            },
        };
        return Handler.CreateToken(descriptor);
    }

    /// <summary>The validation rules, shared by the JwtBearer handler and the tests.</summary>
    public static TokenValidationParameters ValidationParameters(KeyMaterial keys, JwtSettings jwt) => new()
    {
        ValidIssuer = CmsClaims.Issuer,
        ValidAudience = CmsClaims.Audience,
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ValidateIssuerSigningKey = true,
        IssuerSigningKey = keys.SigningKey,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ValidTypes = [TokenType],
        ClockSkew = jwt.ClockSkew,
        NameClaimType = CmsClaims.Subject,
        RoleClaimType = CmsClaims.Role,
    };
}
