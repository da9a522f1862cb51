using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using HealthcareCms.Tests.Infrastructure;

namespace HealthcareCms.Tests.Foundation;

[Collection(AppHostCollection.Name)]
public sealed class SystemStartTests(AppHostFixture fixture)
{
    [Fact]
    public void Every_resource_is_running_and_healthy()
    {
        foreach (var name in AppHostFixture.ResourceNames)
        {
            Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState(name, out var resourceEvent), $"{name} has no state");
            Assert.Equal(KnownResourceStates.Running, resourceEvent.Snapshot.State?.Text);
            Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, resourceEvent.Snapshot.HealthStatus);
        }
    }

    [Fact]
    public async Task Public_post_list_is_served_from_postgres()
    {
        using var client = fixture.CreateClient("api");
        using var response = await client.GetAsync("/api/posts?page=1&pageSize=5");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(1, body.RootElement.GetProperty("page").GetInt32());
        Assert.Equal(5, body.RootElement.GetProperty("pageSize").GetInt32());
        var published = await HealthcareCms.Tests.Content.ContentTestKit.ScalarAsync<long>(fixture, "SELECT count(*) FROM cms.posts WHERE status = 'published'");
        Assert.Equal(published, body.RootElement.GetProperty("total").GetInt32());
        Assert.Equal(Math.Min(published, 5), body.RootElement.GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData("/api/posts?page=0")]
    [InlineData("/api/posts?pageSize=1000")]
    [InlineData("/api/posts?page=abc")]
    public async Task Bad_paging_is_a_400_problem(string url)
    {
        using var client = fixture.CreateClient("api");
        using var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Every_dependency_of_the_api_answers()
    {
        using var client = fixture.CreateClient("api");
        var status = await client.GetFromJsonAsync<JsonElement>("/api/status");

        Assert.Equal("ok", status.GetProperty("status").GetString());
        var names = status.GetProperty("dependencies").EnumerateArray()
            .ToDictionary(d => d.GetProperty("name").GetString()!, d => d.GetProperty("status").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["database"] = "ok", ["policy"] = "ok", ["workflows"] = "ok" }, names);
    }

    /// <summary>The anonymous status fans out to two services, so one client address gets 30 per 10 s, then a
    /// 429 problem with Retry-After; another address is still served, and no login attempt is counted for it.</summary>
    [Fact]
    public async Task The_status_is_rate_limited_per_client_address()
    {
        using var hammering = TestUsers.AnonymousClient(fixture);
        using var other = TestUsers.AnonymousClient(fixture);
        var loginsBefore = MetricsScrape.Sample(await MetricsScrape.ScrapeAsync(fixture, fresh: true),
            "healthcare_cms_auth_login_attempts_total", ("result", "rate_limited"));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 31; i++)
        {
            using var response = await hammering.GetAsync("/api/status");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            }
        }

        Assert.Equal(30, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        using (var served = await other.GetAsync("/api/status"))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }

        Assert.Equal(loginsBefore, MetricsScrape.Sample(await MetricsScrape.ScrapeAsync(fixture, fresh: true),
            "healthcare_cms_auth_login_attempts_total", ("result", "rate_limited")));
    }

    [Fact]
    public async Task Worker_reports_its_status_and_database()
    {
        using var client = await TestUsers.AssertedClientAsync(fixture, "workflows", "admin");
        var status = await client.GetFromJsonAsync<JsonElement>("/status");

        Assert.Equal("workflows", status.GetProperty("service").GetString());
        Assert.Equal("ok", status.GetProperty("status").GetString());
        Assert.Equal("ok", status.GetProperty("database").GetString());
    }
}
