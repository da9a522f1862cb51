using System.Text.Json;
using HealthcareCms.Api.Identity;
using HealthcareCms.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;

namespace HealthcareCms.Tests.Identity;

[Collection(AppHostCollection.Name)]
public sealed class MfaTests(AppHostFixture fixture)
{
    [Theory]
    [InlineData(Roles.Physician)]
    [InlineData(Roles.Dpo)]
    [InlineData(Roles.Admin)]
    public async Task A_phi_role_without_mfa_gets_a_session_that_is_not_phi_capable(string role)
    {
        var session = await TestUsers.CreateSessionAsync(fixture, role);
        using var _ = session.Client;

        Assert.Equal([CmsClaims.PasswordMethod], Amr(session.Tokens.AccessToken));
        var me = await session.Client.GetFromJsonAsync<JsonElement>("/api/me");
        Assert.False(me.GetProperty("phiCapable").GetBoolean());
        Assert.False(me.GetProperty("mfaEnabled").GetBoolean());
    }

    [Theory]
    [InlineData(Roles.Physician)]
    [InlineData(Roles.Dpo)]
    [InlineData(Roles.Admin)]
    public async Task Enrolling_totp_gives_a_phi_capable_session_with_mfa_in_amr(string role)
    {
        var session = await TestUsers.CreateSessionAsync(fixture, role, withMfa: true);
        using var _ = session.Client;

        Assert.Equal([CmsClaims.PasswordMethod, CmsClaims.MfaMethod, "otp"], Amr(session.Tokens.AccessToken));
        var me = await session.Client.GetFromJsonAsync<JsonElement>("/api/me");
        Assert.True(me.GetProperty("phiCapable").GetBoolean());
        Assert.True(me.GetProperty("mfaEnabled").GetBoolean());
    }

    [Fact]
    public async Task Mfa_for_a_non_phi_role_is_allowed_but_never_phi_capable()
    {
        var session = await TestUsers.CreateSessionAsync(fixture, Roles.Reader, withMfa: true);
        using var _ = session.Client;

        Assert.Contains(CmsClaims.MfaMethod, Amr(session.Tokens.AccessToken));
        Assert.False((await session.Client.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("phiCapable").GetBoolean());
    }

    [Fact]
    public async Task Enrolment_returns_a_base32_secret_and_an_otpauth_uri_and_verify_activates_it()
    {
        var session = await TestUsers.CreateSessionAsync(fixture, Roles.Physician);
        using var _ = session.Client;

        using var enroll = await session.Client.PostAsync("/api/auth/mfa/enroll", null);
        Assert.Equal(HttpStatusCode.OK, enroll.StatusCode);
        Assert.Equal("no-store", enroll.Headers.CacheControl?.ToString());
        var enrollment = (await enroll.Content.ReadFromJsonAsync<MfaEnrollment>())!;
        var secret = Base32.Decode(enrollment.Secret);
        Assert.Equal(20, secret.Length);
        Assert.StartsWith("otpauth://totp/", enrollment.OtpauthUri);
        Assert.Contains($"secret={enrollment.Secret}", enrollment.OtpauthUri);

        using var wrong = await session.Client.PostAsJsonAsync("/api/auth/mfa/verify", new { code = WrongCode(secret) });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.False((await session.Client.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("mfaEnabled").GetBoolean());

        using var verify = await session.Client.PostAsJsonAsync("/api/auth/mfa/verify", new { code = Totp.Code(secret, Totp.StepAt(DateTimeOffset.UtcNow)) });
        Assert.Equal(HttpStatusCode.NoContent, verify.StatusCode);
        Assert.True((await session.Client.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("mfaEnabled").GetBoolean());

        // Active MFA cannot be silently replaced by whoever holds a session.
        using var again = await session.Client.PostAsync("/api/auth/mfa/enroll", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Once_enrolled_login_requires_a_valid_unused_totp_code()
    {
        var session = await TestUsers.CreateSessionAsync(fixture, Roles.Dpo, withMfa: true);
        session.Client.Dispose();
        using var client = TestUsers.AnonymousClient(fixture);
        var secret = session.TotpSecret!;

        HttpResponseMessage? missing = null, wrong = null, replayed = null;
        var delta = await IdentityProbe.DeltaAsync(fixture, async () =>
        {
            missing = await client.PostAsJsonAsync(TestUsers.LoginPath, new { email = session.Email, password = session.Password });
            wrong = await client.PostAsJsonAsync(TestUsers.LoginPath, new { email = session.Email, password = session.Password, totp = WrongCode(secret) });
            // The helper's login used the next step's code: it is spent, so it cannot be replayed.
            replayed = await client.PostAsJsonAsync(TestUsers.LoginPath,
                new { email = session.Email, password = session.Password, totp = Totp.Code(secret, session.TotpStep!.Value) });
        });

        Assert.Equal(HttpStatusCode.Unauthorized, missing!.StatusCode);
        Assert.True((await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mfaRequired").GetBoolean());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong!.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed!.StatusCode);
        Assert.Equal(1, delta(IdentityProbe.LoginAttempts, "mfa_required"));
        Assert.Equal(2, delta(IdentityProbe.LoginAttempts, "mfa_failed"));
        Assert.Equal(0, delta(IdentityProbe.LoginAttempts, "success"));
    }

    [Fact]
    public async Task Two_concurrent_logins_with_one_totp_code_get_one_session()
    {
        // Enrolled with the previous step's code (inside the window), so the current step's code is unspent.
        var session = await TestUsers.CreateSessionAsync(fixture, Roles.Physician);
        using var enroll = await session.Client.PostAsync("/api/auth/mfa/enroll", null);
        var secret = Base32.Decode((await enroll.Content.ReadFromJsonAsync<MfaEnrollment>())!.Secret);
        var current = Totp.StepAt(DateTimeOffset.UtcNow);
        using var verify = await session.Client.PostAsJsonAsync("/api/auth/mfa/verify", new { code = Totp.Code(secret, current - 1) });
        Assert.Equal(HttpStatusCode.NoContent, verify.StatusCode);
        session.Client.Dispose();
        var code = Totp.Code(secret, current);
        using var first = TestUsers.AnonymousClient(fixture);
        using var second = TestUsers.AnonymousClient(fixture);

        var responses = await Task.WhenAll(
            first.PostAsJsonAsync(TestUsers.LoginPath, new { email = session.Email, password = session.Password, totp = code }),
            second.PostAsJsonAsync(TestUsers.LoginPath, new { email = session.Email, password = session.Password, totp = code }));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Unauthorized], responses.Select(r => r.StatusCode).Order());
    }

    [Fact]
    public async Task A_wrong_password_with_mfa_enrolled_is_invalid_credentials_not_mfa_required()
    {
        var session = await TestUsers.CreateSessionAsync(fixture, Roles.Physician, withMfa: true);
        session.Client.Dispose();
        using var client = TestUsers.AnonymousClient(fixture);

        using var response = await client.PostAsJsonAsync(TestUsers.LoginPath, new { email = session.Email, password = TestUsers.NewPassword() });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False((await response.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("mfaRequired", out _));
    }

    [Fact]
    public async Task Mfa_endpoints_need_a_session()
    {
        using var client = TestUsers.AnonymousClient(fixture);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/api/auth/mfa/enroll", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/auth/mfa/verify", new { code = "123456" })).StatusCode);
    }

    private static string[] Amr(string accessToken) =>
        new JsonWebToken(accessToken).Claims.Where(c => c.Type == CmsClaims.AuthenticationMethods).Select(c => c.Value).ToArray();

    /// <summary>A code that no step within the ±1 window produces.</summary>
    private static string WrongCode(byte[] secret)
    {
        var step = Totp.StepAt(DateTimeOffset.UtcNow);
        var valid = Enumerable.Range(-2, 5).Select(offset => Totp.Code(secret, step + offset)).ToHashSet();
        return Enumerable.Range(0, 1000).Select(i => i.ToString("000000")).First(code => !valid.Contains(code));
    }
}
