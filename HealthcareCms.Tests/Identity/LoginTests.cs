using System.Text.Json;
using HealthcareCms.Api.Identity;
using HealthcareCms.AppHost.Infrastructure;
using HealthcareCms.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;

namespace HealthcareCms.Tests.Identity;

[Collection(AppHostCollection.Name)]
public sealed class LoginTests(AppHostFixture fixture)
{
    [Fact]
    public async Task An_admin_password_login_gets_a_short_lived_access_token_with_the_contract_claims()
    {
        var admin = await TestUsers.CreateSessionAsync(fixture, Roles.Admin);
        using var adminClient = admin.Client;

        Assert.InRange(admin.Tokens.ExpiresIn, 1, 15 * 60);
        Assert.False(string.IsNullOrEmpty(admin.Tokens.RefreshToken));
        var jwt = new JsonWebToken(admin.Tokens.AccessToken);
        Assert.Equal("HS256", jwt.Alg);
        Assert.Equal(AccessTokens.TokenType, jwt.Typ);
        Assert.Equal(CmsClaims.Issuer, jwt.Issuer);
        Assert.Equal([CmsClaims.Audience], jwt.Audiences);
        Assert.Equal(Roles.Admin, jwt.GetClaim(CmsClaims.Role).Value);
        Assert.Equal([CmsClaims.PasswordMethod], jwt.Claims.Where(c => c.Type == CmsClaims.AuthenticationMethods).Select(c => c.Value));
        Assert.True(Guid.TryParse(jwt.GetClaim(CmsClaims.SessionId).Value, out _));
        Assert.True(Guid.TryParse(jwt.Id, out _));
        Assert.True(long.TryParse(jwt.GetClaim(CmsClaims.AuthTime).Value, out _));
        Assert.InRange((jwt.ValidTo - jwt.ValidFrom).TotalMinutes, 1, 15);

        using var me = await admin.Client.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var profile = await me.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(admin.Email, profile.GetProperty("email").GetString());
        Assert.Equal(Roles.Admin, profile.GetProperty("role").GetString());
        Assert.False(profile.GetProperty("phiCapable").GetBoolean());
        var body = await me.Content.ReadAsStringAsync();
        Assert.DoesNotContain("password", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secret", body, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The seeded admin (AppHost parameters) after its first-login TOTP enrolment: an MFA session.</summary>
    [Fact]
    public async Task The_seeded_admin_from_the_apphost_parameters_has_an_mfa_session()
    {
        var admin = await TestUsers.AdminAsync(fixture);
        using var adminClient = admin.Client;

        var profile = await adminClient.GetFromJsonAsync<JsonElement>("/api/me");

        Assert.Equal(await TestUsers.ParameterAsync(fixture, IdentityParameters.AdminEmail), profile.GetProperty("email").GetString());
        Assert.Equal(Roles.Admin, profile.GetProperty("role").GetString());
        Assert.True(profile.GetProperty("mfaEnabled").GetBoolean());
        Assert.True(profile.GetProperty("phiCapable").GetBoolean());
        Assert.Contains("otp", new JsonWebToken(admin.Tokens.AccessToken).Claims
            .Where(c => c.Type == CmsClaims.AuthenticationMethods).Select(c => c.Value));
    }

    [Theory]
    [InlineData(Roles.Admin)]
    [InlineData(Roles.Editor)]
    [InlineData(Roles.Physician)]
    [InlineData(Roles.Reviewer)]
    [InlineData(Roles.Dpo)]
    [InlineData(Roles.Reader)]
    public async Task Every_demo_user_logs_in_with_the_demo_password_parameter(string role)
    {
        var password = await TestUsers.ParameterAsync(fixture, IdentityParameters.DemoPassword);
        var session = await TestUsers.PasswordLoginAsync(fixture, IdentitySeeder.DemoEmail(role), password, role);
        using var sessionClient = session.Client;

        var profile = await session.Client.GetFromJsonAsync<JsonElement>("/api/me");
        Assert.Equal(role, profile.GetProperty("role").GetString());
        if (role == Roles.Physician)
        {
            Assert.False(string.IsNullOrEmpty(profile.GetProperty("crm").GetString()));
            Assert.Equal(2, profile.GetProperty("uf").GetString()!.Length);
        }
    }

    [Fact]
    public async Task Wrong_password_and_unknown_email_get_the_same_generic_401()
    {
        var (email, _) = await TestUsers.CreateUserAsync(fixture, Roles.Reader);
        using var client = TestUsers.AnonymousClient(fixture);

        using var wrongPassword = await client.PostAsJsonAsync(TestUsers.LoginPath, new { email, password = TestUsers.NewPassword() });
        using var unknown = await client.PostAsJsonAsync(TestUsers.LoginPath,
            new { email = $"nobody-{Guid.NewGuid():N}@tests.healthcare-cms.local", password = TestUsers.NewPassword() });

        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        var first = await wrongPassword.Content.ReadFromJsonAsync<JsonElement>();
        var second = await unknown.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(AuthApi.InvalidCredentialsMessage, first.GetProperty("title").GetString());
        Assert.Equal(first.GetProperty("title").GetString(), second.GetProperty("title").GetString());
        Assert.Equal("application/problem+json", wrongPassword.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Login_sets_the_refresh_cookie_with_the_session_options()
    {
        var (email, password) = await TestUsers.CreateUserAsync(fixture, Roles.Reader);
        using var client = TestUsers.AnonymousClient(fixture);

        using var response = await client.PostAsJsonAsync(TestUsers.LoginPath, new { email, password });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        var tokens = await response.Content.ReadFromJsonAsync<TokenResponse>();
        Assert.StartsWith($"{AuthApi.RefreshCookie}={tokens!.RefreshToken};", cookie);
        Assert.Contains("path=/api/auth", cookie);
        Assert.Contains("secure", cookie);
        Assert.Contains("samesite=lax", cookie);
        Assert.Contains("httponly", cookie);
        var maxAge = System.Text.RegularExpressions.Regex.Match(cookie, "max-age=(\\d+)");
        Assert.InRange(int.Parse(maxAge.Groups[1].Value), 8 * 3600 - 60, 8 * 3600);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }
}
