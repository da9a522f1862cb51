using System.Collections.Concurrent;
using System.Text.Json;
using HealthcareCms.Api.Identity;
using HealthcareCms.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using static HealthcareCms.Tests.Content.ContentTestKit;
using static HealthcareCms.Tests.Infrastructure.MetricsScrape;

namespace HealthcareCms.Tests.Content;

[Collection(AppHostCollection.Name)]
public sealed class LiveUpdatesTests(AppHostFixture fixture)
{
    private const string MountDuration = "healthcare_cms_live_mount_duration_seconds_count";
    private const string MountException = "healthcare_cms_live_mount_exception_total";

    private HubConnection Connect(string? accessToken) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(fixture.Endpoint("api"), "/live"), options =>
            {
                if (accessToken is not null)
                {
                    options.AccessTokenProvider = () => Task.FromResult<string?>(accessToken);
                }
            })
            .Build();

    [Fact]
    public async Task The_author_joins_the_post_view_and_receives_its_workflow_progress_and_the_join_is_measured()
    {
        var author = await TestUsers.CreateSessionAsync(fixture, Roles.Physician);
        using var _ = author.Client;
        var post = await CreatePostAsync(author.Client);
        var before = Sample(await ScrapeAsync(fixture, fresh: true), MountDuration, ("view", "post_workflow"));

        await using var connection = Connect(author.Tokens.AccessToken);
        var progress = new ConcurrentQueue<JsonElement>();
        connection.On<JsonElement>("workflowProgress", p => progress.Enqueue(p));
        await connection.StartAsync();
        var joined = await connection.InvokeAsync<JsonElement>("JoinPostWorkflow", post.Id());
        Assert.Equal("draft", joined.GetProperty("status").GetString());
        await WaitForIncreaseAsync(fixture, before, MountDuration, ("view", "post_workflow"));

        using var submit = await author.Client.PostAsync($"/api/posts/{post.Id()}/submit", null);
        Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!progress.Any(p => p.GetProperty("status").GetString() is "approved" or "changes_requested") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var final = progress.Last();
        Assert.Equal(post.Id(), final.GetProperty("postId").GetGuid());
        Assert.Equal("approved", final.GetProperty("status").GetString());
        Assert.Equal("completed", final.GetProperty("jobState").GetString());
        Assert.Equal("approved", final.GetProperty("outcome").GetString());
        Assert.All(progress, p => Assert.Equal(post.Id(), p.GetProperty("postId").GetGuid()));
    }

    [Fact]
    public async Task Another_user_cannot_join_the_view_and_the_failed_join_is_counted()
    {
        using var author = await TestUsers.LoginAsync(fixture, Roles.Physician);
        var other = await TestUsers.CreateSessionAsync(fixture, Roles.Physician);
        using var _ = other.Client;
        var post = await CreatePostAsync(author);
        var before = Sample(await ScrapeAsync(fixture, fresh: true), MountException, ("view", "post_workflow"));

        await using var connection = Connect(other.Tokens.AccessToken);
        await connection.StartAsync();
        await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<JsonElement>("JoinPostWorkflow", post.Id()));
        await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<JsonElement>("JoinPostWorkflow", Guid.NewGuid()));

        var after = await WaitForIncreaseAsync(fixture, before + 1, MountException, ("view", "post_workflow"));
        Assert.True(after >= before + 2);
    }

    /// <summary>
    /// Progress travels between replicas as <c>NOTIFY post_progress</c>: a notification sent by any process on the
    /// database (here the test, standing in for another Api replica that applied an outcome) reaches this replica's
    /// joined client; one for another post does not, and a malformed payload is ignored.
    /// </summary>
    [Fact]
    public async Task Progress_notified_by_another_replica_reaches_the_joined_author()
    {
        var author = await TestUsers.CreateSessionAsync(fixture, Roles.Physician);
        using var _ = author.Client;
        var post = await CreatePostAsync(author.Client);
        await using var connection = Connect(author.Tokens.AccessToken);
        var progress = new ConcurrentQueue<JsonElement>();
        connection.On<JsonElement>("workflowProgress", p => progress.Enqueue(p));
        await connection.StartAsync();
        await connection.InvokeAsync<JsonElement>("JoinPostWorkflow", post.Id());

        await ExecuteAsync(fixture, "SELECT pg_notify('post_progress', $1)", "{not json");
        await ExecuteAsync(fixture, "SELECT pg_notify('post_progress', $1)",
            $$"""{"postId":"{{Guid.NewGuid()}}","status":"approved","version":2,"jobState":"completed","outcome":"approved"}""");
        await ExecuteAsync(fixture, "SELECT pg_notify('post_progress', $1)",
            $$"""{"postId":"{{post.Id()}}","status":"in_review","version":1,"jobState":"running","outcome":null}""");

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (progress.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        await Task.Delay(500); // anything else that was going to arrive
        var received = Assert.Single(progress);
        Assert.Equal(post.Id(), received.GetProperty("postId").GetGuid());
        Assert.Equal("in_review", received.GetProperty("status").GetString());
        Assert.Equal("running", received.GetProperty("jobState").GetString());
    }

    /// <summary>A join is decided by the policy service: the author's own post, but the account was disabled in
    /// identity's table after the connection opened, so only the decision on the re-read standing (account_disabled)
    /// refuses it; the refusal is audited with its decision id.</summary>
    [Fact]
    public async Task A_join_the_policy_denies_is_refused_with_its_reasons()
    {
        var author = await TestUsers.CreateSessionAsync(fixture, Roles.Physician);
        using var _ = author.Client;
        var post = await CreatePostAsync(author.Client);
        await using var connection = Connect(author.Tokens.AccessToken);
        await connection.StartAsync();

        Assert.Equal(1, await ExecuteAsync(fixture, "UPDATE cms.users SET is_disabled = true WHERE id = $1", author.UserId));
        var refused = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<JsonElement>("JoinPostWorkflow", post.Id()));

        Assert.Contains("account_disabled", refused.Message);
        Assert.Equal(1L, await ScalarAsync<long>(fixture,
            "SELECT count(*) FROM cms.audit_log WHERE resource_type = 'post' AND resource_id = $1 AND action = 'read' " +
            "AND outcome = 'denied' AND length(decision_id) = 32 AND user_id = $2", post.Id().ToString(), author.UserId));
    }

    [Fact]
    public async Task Anonymous_clients_cannot_connect()
    {
        await using var connection = Connect(accessToken: null);
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
    }
}
