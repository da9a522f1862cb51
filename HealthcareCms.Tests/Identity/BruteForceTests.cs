using HealthcareCms.Api.Identity;
using HealthcareCms.Tests.Infrastructure;

namespace HealthcareCms.Tests.Identity;

/// <summary>Lockout per account (in PostgreSQL) and the per-IP login limit. Each test uses its own emails and address.</summary>
[Collection(AppHostCollection.Name)]
public sealed class BruteForceTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Five_failures_lock_a_known_account_with_429_and_retry_after_even_for_the_right_password()
    {
        var (email, password) = await TestUsers.CreateUserAsync(fixture, Roles.Reader);
        using var client = TestUsers.AnonymousClient(fixture);

        var delta = await IdentityProbe.DeltaAsync(fixture, async () =>
        {
            for (var i = 0; i < 5; i++)
            {
                using var failed = await client.PostAsJsonAsync(TestUsers.LoginPath, new { email, password = TestUsers.NewPassword() });
                Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
            }

            using var locked = await client.PostAsJsonAsync(TestUsers.LoginPath, new { email = email.ToUpperInvariant(), password });
            Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
            var retryAfter = locked.Headers.RetryAfter?.Delta;
            Assert.NotNull(retryAfter);
            Assert.InRange(retryAfter.Value.TotalSeconds, 14 * 60, 15 * 60);
            Assert.Equal("application/problem+json", locked.Content.Headers.ContentType?.MediaType);
        });

        Assert.Equal(5, delta(IdentityProbe.LoginAttempts, "invalid_credentials"));
        Assert.Equal(1, delta(IdentityProbe.LoginAttempts, "locked_out"));
        Assert.Equal(0, delta(IdentityProbe.LoginAttempts, "success"));
    }

    [Fact]
    public async Task Unknown_emails_are_locked_out_exactly_like_known_ones()
    {
        var email = $"ghost-{Guid.NewGuid():N}@tests.healthcare-cms.local";
        using var client = TestUsers.AnonymousClient(fixture);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await client.PostAsJsonAsync(TestUsers.LoginPath, new { email, password = TestUsers.NewPassword() });
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 5), HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task Lockout_is_per_account_and_the_counter_lives_in_the_database()
    {
        var (victim, _) = await TestUsers.CreateUserAsync(fixture, Roles.Reader);
        var (bystander, bystanderPassword) = await TestUsers.CreateUserAsync(fixture, Roles.Reader);
        using var client = TestUsers.AnonymousClient(fixture);
        for (var i = 0; i < 5; i++)
        {
            (await client.PostAsJsonAsync(TestUsers.LoginPath, new { email = victim, password = TestUsers.NewPassword() })).Dispose();
        }

        using var other = await client.PostAsJsonAsync(TestUsers.LoginPath, new { email = bystander, password = bystanderPassword });

        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(1, await IdentityProbe.CountAsync(fixture,
            "SELECT count(*) FROM cms.login_throttles WHERE key_hash = sha256(convert_to(@email, 'UTF8')) AND failure_count = 5 AND locked_until > now() + interval '14 minutes'",
            ("email", victim.ToLowerInvariant())));
    }

    [Fact]
    public async Task Malformed_login_requests_are_not_counted_as_failures()
    {
        var (email, password) = await TestUsers.CreateUserAsync(fixture, Roles.Reader);
        using var client = TestUsers.AnonymousClient(fixture);

        var delta = await IdentityProbe.DeltaAsync(fixture, async () =>
        {
            for (var i = 0; i < 6; i++)
            {
                using var malformed = await client.PostAsJsonAsync(TestUsers.LoginPath, new { email });
                Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
            }
        });

        Assert.Equal(0, delta(IdentityProbe.LoginAttempts, "invalid_credentials"));
        using var ok = await client.PostAsJsonAsync(TestUsers.LoginPath, new { email, password });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task A_successful_login_clears_earlier_failures()
    {
        var (email, password) = await TestUsers.CreateUserAsync(fixture, Roles.Reader);
        using var client = TestUsers.AnonymousClient(fixture);
        for (var i = 0; i < 4; i++)
        {
            (await client.PostAsJsonAsync(TestUsers.LoginPath, new { email, password = TestUsers.NewPassword() })).Dispose();
        }

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync(TestUsers.LoginPath, new { email, password })).StatusCode);
        for (var i = 0; i < 4; i++)
        {
            (await client.PostAsJsonAsync(TestUsers.LoginPath, new { email, password = TestUsers.NewPassword() })).Dispose();
        }

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync(TestUsers.LoginPath, new { email, password })).StatusCode);
    }

    [Fact]
    public async Task One_address_is_served_60_login_attempts_a_minute_then_gets_429_with_retry_after()
    {
        var address = TestUsers.RandomTestAddress();
        using var client = TestUsers.AnonymousClient(fixture, address);
        var statuses = new List<HttpStatusCode>();

        HttpResponseMessage? limited = null;
        var delta = await IdentityProbe.DeltaAsync(fixture, async () =>
        {
            // Cheap attempts (refused as malformed before any hashing) still count against the address.
            for (var i = 0; i < 60; i++)
            {
                using var response = await client.PostAsJsonAsync(TestUsers.LoginPath, new { email = "" });
                statuses.Add(response.StatusCode);
            }

            limited = await client.PostAsJsonAsync(TestUsers.LoginPath, new { email = "", password = "" });
        });

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.BadRequest, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited!.StatusCode);
        Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, delta(IdentityProbe.LoginAttempts, "rate_limited"));

        // Another address is not affected.
        using var other = TestUsers.AnonymousClient(fixture);
        Assert.Equal(HttpStatusCode.BadRequest, (await other.PostAsJsonAsync(TestUsers.LoginPath, new { email = "" })).StatusCode);
    }
}
