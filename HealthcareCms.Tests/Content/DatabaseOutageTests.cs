using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using HealthcareCms.Api.Identity;
using HealthcareCms.Tests.Infrastructure;
using static HealthcareCms.Tests.Content.ContentTestKit;

namespace HealthcareCms.Tests.Content;

[Collection(AppHostCollection.Name)]
public sealed class DatabaseOutageTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Database_down_answers_503_and_unhealthy_then_recovers_by_itself_with_acknowledged_writes_intact()
    {
        using var author = await TestUsers.LoginAsync(fixture, Roles.Physician);
        using var anonymous = TestUsers.AnonymousClient(fixture);
        using var management = fixture.CreateClient("api", "management");
        var acknowledged = await CreatePostAsync(author);
        var refusedEmail = $"outage-{Guid.NewGuid():N}@example.org";

        await fixture.App.ResourceCommands.ExecuteCommandAsync("postgres", KnownResourceCommands.StopCommand);
        try
        {
            var list = await PollAsync(() => anonymous.GetAsync("/api/posts"), HttpStatusCode.ServiceUnavailable);
            Assert.Equal("application/problem+json", list.Content.Headers.ContentType?.MediaType);
            Assert.Equal("5", list.Headers.RetryAfter?.ToString());
            var problem = await list.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(503, problem.GetProperty("status").GetInt32());

            using var write = await anonymous.PostAsJsonAsync("/api/subscribers", new { name = "N", email = refusedEmail, consents = new[] { "newsletter" } });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, write.StatusCode);

            var health = await PollAsync(() => management.GetAsync("/health"), HttpStatusCode.ServiceUnavailable);
            Assert.Contains("Unhealthy", await health.Content.ReadAsStringAsync());
        }
        finally
        {
            await fixture.App.ResourceCommands.ExecuteCommandAsync("postgres", KnownResourceCommands.StartCommand);
            using var started = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("postgres", started.Token);

            // Connections other tests pooled in this process died with the server: drop them.
            Npgsql.NpgsqlConnection.ClearAllPools();
        }

        await PollAsync(() => management.GetAsync("/health"), HttpStatusCode.OK);
        var recovered = await PollAsync(() => author.GetAsync($"/api/posts/{acknowledged.Id()}"), HttpStatusCode.OK);
        Assert.Equal(acknowledged.Id(), (await recovered.Content.ReadFromJsonAsync<JsonElement>()).Id());
        Assert.Equal(0L, await ScalarAsync<long>(fixture, "SELECT count(*) FROM cms.subscribers WHERE email = $1", refusedEmail));
        await CreatePostAsync(author);

        // Leave the system as the next test expects it: every resource healthy again in the AppHost's view.
        using var healthy = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        foreach (var resource in AppHostFixture.ResourceNames)
        {
            await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync(resource, healthy.Token);
        }
    }

    private static async Task<HttpResponseMessage> PollAsync(Func<Task<HttpResponseMessage>> send, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        HttpStatusCode last = default;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var response = await send();
                if (response.StatusCode == expected)
                {
                    return response;
                }

                last = response.StatusCode;
                response.Dispose();
            }
            catch (HttpRequestException)
            {
                // The api is up; a connection-level failure here would be a bug, but keep polling to report the last status.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"Expected {expected}, last answer {last}.");
    }
}
