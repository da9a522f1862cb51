using System.Net.Http.Headers;
using HealthcareCms.Api.Identity;
using HealthcareCms.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;

namespace HealthcareCms.Tests.Identity;

[Collection(AppHostCollection.Name)]
public sealed class SessionTests(AppHostFixture fixture)
{
    private const string RefreshPath = "/api/auth/refresh";

    [Fact]
    public async Task Refresh_rotates_the_pair_and_keeps_the_session()
    {
        var session = await TestUsers.CreateSessionAsync(fixture, Roles.Editor);
        using var client = TestUsers.AnonymousClient(fixture);

        TokenResponse? rotated = null;
        var delta = await IdentityProbe.DeltaAsync(fixture, async () =>
        {
            using var response = await client.PostAsJsonAsync(RefreshPath, new { refreshToken = session.Tokens.RefreshToken });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            rotated = await response.Content.ReadFromJsonAsync<TokenResponse>();
        });

        Assert.Equal(1, delta(IdentityProbe.TokenRefreshes, "success"));
        Assert.NotEqual(session.Tokens.RefreshToken, rotated!.RefreshToken);
        var before = new JsonWebToken(session.Tokens.AccessToken);
        var after = new JsonWebToken(rotated.AccessToken);
        Assert.Equal(before.GetClaim(CmsClaims.SessionId).Value, after.GetClaim(CmsClaims.SessionId).Value);
        Assert.Equal(before.GetClaim(CmsClaims.AuthTime).Value, after.GetClaim(CmsClaims.AuthTime).Value);
        Assert.NotEqual(before.Id, after.Id);
        using var me = TestUsers.WithBearer(TestUsers.AnonymousClient(fixture), rotated.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await me.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Refresh_accepts_the_http_only_cookie_instead_of_the_body()
    {
        var session = await TestUsers.CreateSessionAsync(fixture, Roles.Reader);
        using var client = TestUsers.AnonymousClient(fixture);
        using var request = new HttpRequestMessage(HttpMethod.Post, RefreshPath);
        request.Headers.Add("Cookie", $"{AuthApi.RefreshCookie}={session.Tokens.RefreshToken}");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rotated = await response.Content.ReadFromJsonAsync<TokenResponse>();
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith($"{AuthApi.RefreshCookie}={rotated!.RefreshToken};"));
    }

    [Fact]
    public async Task Reusing_a_spent_refresh_token_revokes_the_whole_family_newest_token_and_access_tokens_included()
    {
        var session = await TestUsers.CreateSessionAsync(fixture, Roles.Reviewer);
        using var client = TestUsers.AnonymousClient(fixture);
        var first = session.Tokens.RefreshToken;
        var second = (await (await client.PostAsJsonAsync(RefreshPath, new { refreshToken = first })).Content.ReadFromJsonAsync<TokenResponse>())!;
        var sessionId = new JsonWebToken(second.AccessToken).GetClaim(CmsClaims.SessionId).Value;

        HttpStatusCode reuseStatus = 0;
        var delta = await IdentityProbe.DeltaAsync(fixture, async () =>
        {
            using var reuse = await client.PostAsJsonAsync(RefreshPath, new { refreshToken = first });
            reuseStatus = reuse.StatusCode;
        });

        Assert.Equal(HttpStatusCode.Unauthorized, reuseStatus);
        Assert.Equal(1, delta(IdentityProbe.TokenRefreshes, "reused"));
        Assert.Equal(0, delta(IdentityProbe.TokenRefreshes, "success"));

        // The newest refresh token of the family is dead too, and so is every access token of the session.
        using var newest = await client.PostAsJsonAsync(RefreshPath, new { refreshToken = second.RefreshToken });
        Assert.Equal(HttpStatusCode.Unauthorized, newest.StatusCode);
        using var stale = TestUsers.WithBearer(TestUsers.AnonymousClient(fixture), second.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stale.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await session.Client.GetAsync("/api/me")).StatusCode);

        // Audited: the reuse (family revoked) is on record for the session.
        Assert.Equal(1, await IdentityProbe.CountAsync(fixture,
            "SELECT count(*) FROM cms.audit_log WHERE resource_type = 'session' AND resource_id = @sid AND action = 'revoke' AND outcome = 'denied'",
            ("sid", sessionId)));
        Assert.Equal(1, await IdentityProbe.CountAsync(fixture,
            "SELECT count(*) FROM cms.sessions WHERE id = @sid::uuid AND revocation_reason = 'refresh_token_reuse'", ("sid", sessionId)));
    }

    [Fact]
    public async Task Two_concurrent_refreshes_with_one_token_get_one_pair_and_the_family_is_revoked()
    {
        var session = await TestUsers.CreateSessionAsync(fixture, Roles.Reader);
        using var first = TestUsers.AnonymousClient(fixture);
        using var second = TestUsers.AnonymousClient(fixture);

        var responses = await Task.WhenAll(
            first.PostAsJsonAsync(RefreshPath, new { refreshToken = session.Tokens.RefreshToken }),
            second.PostAsJsonAsync(RefreshPath, new { refreshToken = session.Tokens.RefreshToken }));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Unauthorized], responses.Select(r => r.StatusCode).Order());
        var winner = await responses.Single(r => r.IsSuccessStatusCode).Content.ReadFromJsonAsync<TokenResponse>();
        using var stale = TestUsers.WithBearer(TestUsers.AnonymousClient(fixture), winner!.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stale.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await first.PostAsJsonAsync(RefreshPath, new { refreshToken = winner.RefreshToken })).StatusCode);
    }

    [Fact]
    public async Task Unknown_or_missing_refresh_tokens_are_invalid()
    {
        using var client = TestUsers.AnonymousClient(fixture);
        var delta = await IdentityProbe.DeltaAsync(fixture, async () =>
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync(RefreshPath, new { refreshToken = "not-a-token" })).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync(RefreshPath, null)).StatusCode);
        });

        Assert.Equal(2, delta(IdentityProbe.TokenRefreshes, "invalid"));
    }

    [Fact]
    public async Task A_session_past_its_absolute_lifetime_cannot_be_refreshed()
    {
        var session = await TestUsers.CreateSessionAsync(fixture, Roles.Reader);
        var sessionId = Guid.Parse(new JsonWebToken(session.Tokens.AccessToken).GetClaim(CmsClaims.SessionId).Value);
        await IdentityProbe.ExecuteSqlAsync(fixture,
            "UPDATE cms.sessions SET expires_at = now() - interval '1 second' WHERE id = @sid", ("sid", sessionId));
        using var client = TestUsers.AnonymousClient(fixture);

        HttpStatusCode status = 0;
        var delta = await IdentityProbe.DeltaAsync(fixture, async () =>
            status = (await client.PostAsJsonAsync(RefreshPath, new { refreshToken = session.Tokens.RefreshToken })).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(1, delta(IdentityProbe.TokenRefreshes, "expired"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await session.Client.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Logout_answers_204_and_ends_the_access_token_and_the_family_at_once()
    {
        var session = await TestUsers.CreateSessionAsync(fixture, Roles.Editor);
        Assert.Equal(HttpStatusCode.OK, (await session.Client.GetAsync("/api/me")).StatusCode);

        HttpResponseMessage? logout = null;
        var delta = await IdentityProbe.DeltaAsync(fixture, async () => logout = await session.Client.PostAsync("/api/auth/logout", null));

        Assert.Equal(HttpStatusCode.NoContent, logout!.StatusCode);
        Assert.Equal(1, delta(IdentityProbe.Logouts, null));
        Assert.Contains(logout.Headers.GetValues("Set-Cookie"), c => c.StartsWith($"{AuthApi.RefreshCookie}=;") && c.Contains("expires=Thu, 01 Jan 1970"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await session.Client.GetAsync("/api/me")).StatusCode);
        using var client = TestUsers.AnonymousClient(fixture);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await client.PostAsJsonAsync(RefreshPath, new { refreshToken = session.Tokens.RefreshToken })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await session.Client.PostAsync("/api/auth/logout", null)).StatusCode);
    }

    [Fact]
    public async Task Logout_needs_a_valid_access_token()
    {
        using var client = TestUsers.AnonymousClient(fixture);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/api/auth/logout", null)).StatusCode);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "garbage");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/api/auth/logout", null)).StatusCode);
    }

    [Fact]
    public async Task Disabling_an_account_ends_its_sessions_and_its_logins()
    {
        var user = await TestUsers.CreateSessionAsync(fixture, Roles.Physician);
        var admin = await TestUsers.AdminAsync(fixture);
        using var adminClient = admin.Client;

        using var disabled = await adminClient.PostAsync($"/api/users/{user.UserId}/disable", null);

        Assert.Equal(HttpStatusCode.NoContent, disabled.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await user.Client.GetAsync("/api/me")).StatusCode);
        using var client = TestUsers.AnonymousClient(fixture);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await client.PostAsJsonAsync(RefreshPath, new { refreshToken = user.Tokens.RefreshToken })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await client.PostAsJsonAsync(TestUsers.LoginPath, new { email = user.Email, password = user.Password })).StatusCode);
        var profile = await adminClient.GetFromJsonAsync<UserResponse>($"/api/users/{user.UserId}");
        Assert.True(profile!.Disabled);
    }
}
