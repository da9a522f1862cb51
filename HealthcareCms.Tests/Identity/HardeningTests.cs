using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using HealthcareCms.Api.Identity;
using HealthcareCms.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace HealthcareCms.Tests.Identity;

[Collection(AppHostCollection.Name)]
public sealed class HardeningTests(AppHostFixture fixture)
{
    [Theory]
    [InlineData("GET", "/api/status")]
    [InlineData("GET", "/api/posts")]
    [InlineData("GET", "/api/me")]
    [InlineData("GET", "/no/such/route")]
    [InlineData("POST", "/api/auth/login")]
    [InlineData("GET", "/openapi/v1.json")]
    public async Task Every_api_response_carries_the_security_headers(string method, string path)
    {
        using var client = TestUsers.AnonymousClient(fixture);
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "POST" ? new StringContent("{}", Encoding.UTF8, "application/json") : null,
        });

        var hsts = Assert.Single(response.Headers.GetValues("Strict-Transport-Security"));
        var maxAge = int.Parse(System.Text.RegularExpressions.Regex.Match(hsts, "max-age=(\\d+)").Groups[1].Value);
        Assert.True(maxAge >= 31_536_000, hsts);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("default-src 'none'", csp);
    }

    [Theory]
    [InlineData("/api/auth/login")]
    [InlineData("/api/auth/refresh")]
    [InlineData("/api/me")]
    public async Task Auth_responses_are_never_cached(string path)
    {
        using var client = TestUsers.AnonymousClient(fixture);
        using var response = await client.PostAsync(path, new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    public static TheoryData<string, string, string?, HttpStatusCode> BadRequests() => new()
    {
        { "/api/auth/login", "{\"email\": \"a@b.c\", \"password\": ", "application/json", HttpStatusCode.BadRequest },
        { "/api/auth/login", "not json at all", "application/json", HttpStatusCode.BadRequest },
        { "/api/auth/login", "[1,2,3]", "application/json", HttpStatusCode.BadRequest },
        { "/api/auth/login", "{\"email\": 42, \"password\": true}", "application/json", HttpStatusCode.BadRequest },
        { "/api/auth/login", "{\"email\": \"a@b.c\", \"password\": \"x\", \"isAdmin\": true}", "application/json", HttpStatusCode.BadRequest },
        { "/api/auth/login", "", "application/json", HttpStatusCode.BadRequest },
        { "/api/auth/login", "email=a&password=b", "application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType },
        { "/api/auth/login", "{\"email\": \"" + new string('a', 300) + "@x.io\", \"password\": \"x\"}", "application/json", HttpStatusCode.BadRequest },
        { "/api/auth/refresh", "{\"refreshToken\": {\"nested\": 1}}", "application/json", HttpStatusCode.BadRequest },
        { "/api/auth/refresh", "{\"refreshToken\": \"x\", \"extra\": 1}", "application/json", HttpStatusCode.BadRequest },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_is_a_4xx_problem_never_a_500(string path, string body, string? contentType, HttpStatusCode expected)
    {
        using var client = TestUsers.AnonymousClient(fixture);
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);

        using var response = await client.PostAsync(path, content);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_oversized_body_is_refused_with_413()
    {
        using var client = TestUsers.AnonymousClient(fixture);
        var body = JsonSerializer.Serialize(new { email = "a@b.c", password = new string('x', 64 * 1024) });

        using var response = await client.PostAsync("/api/auth/login", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Personal_data_never_reaches_metrics_or_logs()
    {
        using var watch = new CancellationTokenSource();
        var logs = CollectApiLogsAsync(watch.Token);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var email = $"maria.silva.cpf52998224725-{Guid.NewGuid():N}@pii-probe.example";
        var address = TestUsers.RandomTestAddress();
        var (created, password) = await TestUsers.CreateUserAsync(fixture, Roles.Physician, email);
        using var client = TestUsers.AnonymousClient(fixture, address);
        (await client.PostAsJsonAsync(TestUsers.LoginPath, new { email = created, password = TestUsers.NewPassword() })).Dispose();
        var tokens = await (await client.PostAsJsonAsync(TestUsers.LoginPath, new { email = created, password })).Content.ReadFromJsonAsync<TokenResponse>();
        (await client.PostAsJsonAsync(TestUsers.LoginPath, new { email = $"unknown-{email}", password })).Dispose();
        using var authed = TestUsers.WithBearer(TestUsers.AnonymousClient(fixture, address), tokens!.AccessToken);
        var me = await authed.GetFromJsonAsync<JsonElement>("/api/me");
        var userId = me.GetProperty("id").GetString()!;
        (await authed.PostAsync("/api/auth/logout", null)).Dispose();
        // Through the gateway, with personal data in the forwarded query string (YARP logs the target URL at Information).
        using (var editor = (await TestUsers.CreateSessionAsync(fixture, Roles.Editor)).Client.WithClientAddress(TestUsers.TrustedAddress))
        {
            using var forwarded = await editor.GetAsync($"/api/workflows/status?email={Uri.EscapeDataString(email)}&cpf=52998224725");
            Assert.Equal(HttpStatusCode.OK, forwarded.StatusCode);
        }

        var exposition = await IdentityProbe.ScrapeAsync(fixture);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await watch.CancelAsync();
        var logText = await logs;

        foreach (var secret in new[] { "maria", "pii-probe", "52998224725", address, userId })
        {
            Assert.DoesNotContain(secret, exposition, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(secret, logText, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains("healthcare_cms_auth_login_attempts_total", exposition);
        Assert.Contains("Login refused: invalid_credentials", logText);
    }

    /// <summary>The Api's console log lines from now until <paramref name="stop"/> (Aspire streams them while watched).</summary>
    private async Task<string> CollectApiLogsAsync(CancellationToken stop)
    {
        var logger = fixture.App.Services.GetRequiredService<ResourceLoggerService>();
        var api = await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("api", stop);
        var lines = new StringBuilder();
        try
        {
            await foreach (var batch in logger.WatchAsync(api.ResourceId).WithCancellation(stop))
            {
                foreach (var line in batch)
                {
                    lines.AppendLine(line.Content);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped by the test once it has done everything it wants to see logged.
        }

        return lines.ToString();
    }
}
