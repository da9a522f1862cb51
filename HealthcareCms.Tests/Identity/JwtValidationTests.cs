using System.Text;
using HealthcareCms.Api.Identity;
using HealthcareCms.AppHost.Infrastructure;
using HealthcareCms.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace HealthcareCms.Tests.Identity;

/// <summary>
/// The access-token matrix against the running Api: tokens are forged here with the Api's real key (read
/// from the AppHost parameter) for a real, live session, so only the property under test is wrong.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class JwtValidationTests(AppHostFixture fixture)
{
    public static TheoryData<string> Forgeries() =>
    [
        "tampered_payload", "tampered_signature", "alg_none", "hs512", "other_key", "expired", "not_yet_valid",
        "wrong_audience", "wrong_issuer", "typ_jwt", "typ_refresh", "no_typ", "no_exp", "no_session", "unknown_session",
    ];

    [Fact]
    public async Task A_token_forged_with_the_real_key_and_valid_claims_is_accepted()
    {
        var (claims, key, _) = await LiveSessionAsync();

        var status = await MeStatusAsync(Sign(claims, key, AccessTokens.TokenType, DateTime.UtcNow, TimeSpan.FromMinutes(5)));

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task Every_forged_or_invalid_access_token_is_refused_with_401(string forgery)
    {
        var (claims, key, realToken) = await LiveSessionAsync();
        var now = DateTime.UtcNow;
        var token = forgery switch
        {
            "tampered_payload" => ReplacePayload(realToken, new Dictionary<string, object>(claims) { [CmsClaims.Role] = Roles.Admin }),
            "tampered_signature" => FlipSignature(realToken),
            "alg_none" => Unsigned(claims),
            "hs512" => Hs512(claims, (SymmetricSecurityKey)key),
            "other_key" => Sign(claims, new SymmetricSecurityKey(new byte[32]), AccessTokens.TokenType, now, TimeSpan.FromMinutes(5)),
            "expired" => Sign(claims, key, AccessTokens.TokenType, now.AddMinutes(-20), TimeSpan.FromMinutes(10)),
            "not_yet_valid" => Sign(claims, key, AccessTokens.TokenType, now.AddMinutes(5), TimeSpan.FromMinutes(5)),
            "wrong_audience" => Sign(claims, key, AccessTokens.TokenType, now, TimeSpan.FromMinutes(5), audience: "another-api"),
            "wrong_issuer" => Sign(claims, key, AccessTokens.TokenType, now, TimeSpan.FromMinutes(5), issuer: "https://evil.example"),
            "typ_jwt" => Sign(claims, key, "JWT", now, TimeSpan.FromMinutes(5)),
            "typ_refresh" => Sign(claims, key, "refresh+jwt", now, TimeSpan.FromMinutes(5)),
            "no_typ" => Sign(claims, key, null, now, TimeSpan.FromMinutes(5)),
            "no_exp" => Sign(claims, key, AccessTokens.TokenType, now, null),
            "no_session" => Sign(Without(claims, CmsClaims.SessionId), key, AccessTokens.TokenType, now, TimeSpan.FromMinutes(5)),
            "unknown_session" => Sign(new Dictionary<string, object>(claims) { [CmsClaims.SessionId] = Guid.NewGuid().ToString() },
                key, AccessTokens.TokenType, now, TimeSpan.FromMinutes(5)),
            _ => throw new ArgumentOutOfRangeException(nameof(forgery)),
        };

        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(token));
    }

    [Fact]
    public async Task A_refresh_token_is_not_an_access_token()
    {
        var session = await TestUsers.CreateSessionAsync(fixture, Roles.Reader);
        using var _ = session.Client;

        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(session.Tokens.RefreshToken));
    }

    [Fact]
    public async Task A_token_within_the_30_second_clock_skew_is_accepted_and_beyond_it_refused()
    {
        var (claims, key, _) = await LiveSessionAsync();
        var now = DateTime.UtcNow;

        var justExpired = Sign(claims, key, AccessTokens.TokenType, now.AddMinutes(-5), TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(10));
        var longExpired = Sign(claims, key, AccessTokens.TokenType, now.AddMinutes(-5), TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(45));

        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(justExpired));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(longExpired));
    }

    private async Task<HttpStatusCode> MeStatusAsync(string token)
    {
        using var client = TestUsers.WithBearer(TestUsers.AnonymousClient(fixture), token);
        using var response = await client.GetAsync("/api/me");
        return response.StatusCode;
    }

    private async Task<(Dictionary<string, object> Claims, SecurityKey Key, string Token)> LiveSessionAsync()
    {
        var session = await TestUsers.CreateSessionAsync(fixture, Roles.Editor);
        session.Client.Dispose();
        var jwt = new JsonWebToken(session.Tokens.AccessToken);
        var claims = new Dictionary<string, object>
        {
            [CmsClaims.Subject] = jwt.Subject,
            [CmsClaims.Role] = jwt.GetClaim(CmsClaims.Role).Value,
            [CmsClaims.AuthenticationMethods] = new[] { CmsClaims.PasswordMethod },
            [CmsClaims.AuthTime] = long.Parse(jwt.GetClaim(CmsClaims.AuthTime).Value),
            [CmsClaims.SessionId] = jwt.GetClaim(CmsClaims.SessionId).Value,
            [CmsClaims.TokenId] = Guid.NewGuid().ToString(),
        };
        var key = new KeyMaterial(await TestUsers.ParameterAsync(fixture, IdentityParameters.JwtSigningKey)).SigningKey;
        return (claims, key, session.Tokens.AccessToken);
    }

    private static string Sign(
        Dictionary<string, object> claims, SecurityKey key, string? type, DateTime notBefore, TimeSpan? lifetime,
        string algorithm = SecurityAlgorithms.HmacSha256, string audience = CmsClaims.Audience, string issuer = CmsClaims.Issuer)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = notBefore,
            NotBefore = notBefore,
            Expires = lifetime is { } l ? notBefore + l : null,
            SigningCredentials = new SigningCredentials(key, algorithm),
            Claims = claims,
        };
        if (type is not null)
        {
            descriptor.TokenType = type;
        }
        else
        {
            descriptor.AdditionalHeaderClaims = new Dictionary<string, object> { ["typ"] = "" };
        }

        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    private static Dictionary<string, object> Without(Dictionary<string, object> claims, string name)
    {
        var copy = new Dictionary<string, object>(claims);
        copy.Remove(name);
        return copy;
    }

    private static string Unsigned(Dictionary<string, object> claims) =>
        $"{Base64UrlEncoder.Encode("""{"alg":"none","typ":"at+jwt"}""")}.{Payload(claims)}.";

    /// <summary>Signed correctly with the real key, but with an algorithm outside the allow-list.</summary>
    private static string Hs512(Dictionary<string, object> claims, SymmetricSecurityKey key)
    {
        var signed = $"{Base64UrlEncoder.Encode("""{"alg":"HS512","typ":"at+jwt"}""")}.{Payload(claims)}";
        return $"{signed}.{Base64UrlEncoder.Encode(System.Security.Cryptography.HMACSHA512.HashData(key.Key, Encoding.ASCII.GetBytes(signed)))}";
    }

    private static string Payload(Dictionary<string, object> claims) =>
        Base64UrlEncoder.Encode(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>(claims)
        {
            ["iss"] = CmsClaims.Issuer,
            ["aud"] = CmsClaims.Audience,
            ["nbf"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["exp"] = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds(),
        }));

    private static string ReplacePayload(string token, Dictionary<string, object> claims)
    {
        var parts = token.Split('.');
        var original = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, object>>(Base64UrlEncoder.Decode(parts[1]))!;
        foreach (var (name, value) in claims)
        {
            original[name] = value;
        }

        return $"{parts[0]}.{Base64UrlEncoder.Encode(System.Text.Json.JsonSerializer.Serialize(original))}.{parts[2]}";
    }

    private static string FlipSignature(string token)
    {
        var parts = token.Split('.');
        var signature = Base64UrlEncoder.DecodeBytes(parts[2]);
        signature[0] ^= 0x01;
        return $"{parts[0]}.{parts[1]}.{Base64UrlEncoder.Encode(signature)}";
    }
}
