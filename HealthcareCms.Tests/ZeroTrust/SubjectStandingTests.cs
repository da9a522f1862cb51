using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using HealthcareCms.Api.Identity;
using HealthcareCms.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HealthcareCms.Tests.ZeroTrust;

/// <summary>
/// The subject's status and recent failed logins reach the policy service from identity's tables, end to end:
/// failed logins against the account show up in the policy's decision log for the next decision, and an
/// account disabled in the database is denied by the policy (hard deny) even with a session still open.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class SubjectStandingTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Failed_logins_against_the_account_are_a_decision_input()
    {
        var session = await TestUsers.CreateSessionAsync(fixture, Roles.Editor);
        var client = session.Client.WithClientAddress(TestUsers.TrustedAddress);
        using var anonymous = TestUsers.AnonymousClient(fixture);
        for (var i = 0; i < 3; i++)
        {
            using var refused = await anonymous.PostAsJsonAsync(TestUsers.LoginPath, new LoginRequest(session.Email, "not-the-password-" + i, null));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using var response = await client.GetAsync("/api/workflows/status");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var decisionId = await LatestDecisionIdAsync(session.UserId);
        var line = await DecisionLogLineAsync(decisionId);
        Assert.Matches(@"\bstatus active\b", line);
        Assert.Matches(@"\bfailed_logins 3\b", line);
        Assert.DoesNotContain(session.Email, line, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(session.UserId.ToString(), line, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_account_disabled_in_the_database_is_denied_by_the_policy_while_its_session_lives()
    {
        var session = await TestUsers.CreateSessionAsync(fixture, Roles.Editor);
        var client = session.Client.WithClientAddress(TestUsers.TrustedAddress);
        using (var before = await client.GetAsync("/api/workflows/status"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        // Not through the users API (which also revokes the sessions): the status alone must deny.
        await using (var connection = new NpgsqlConnection(await fixture.App.GetConnectionStringAsync("cmsdb")))
        {
            await connection.OpenAsync();
            await using var disable = new NpgsqlCommand("UPDATE cms.users SET is_disabled = true WHERE id = @id", connection);
            disable.Parameters.AddWithValue("id", session.UserId);
            Assert.Equal(1, await disable.ExecuteNonQueryAsync());
        }

        // Not answered from the cached allow: the status is part of the cache key.
        using var after = await client.GetAsync("/api/workflows/status");
        Assert.Equal(HttpStatusCode.Forbidden, after.StatusCode);
        var problem = await after.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("account_disabled", problem.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));

        var line = await DecisionLogLineAsync(problem.GetProperty("decisionId").GetString()!);
        Assert.Matches(@"\bstatus disabled\b", line);
        Assert.Matches(@"\bdeny\b", line);
    }

    private async Task<string> LatestDecisionIdAsync(Guid userId)
    {
        await using var connection = new NpgsqlConnection(await fixture.App.GetConnectionStringAsync("cmsdb"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT decision_id FROM cms.audit_log WHERE user_id = @user AND decision_id IS NOT NULL ORDER BY id DESC LIMIT 1", connection);
        command.Parameters.AddWithValue("user", userId);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The policy service's decision-log line of <paramref name="decisionId"/> (captured by the AppHost).</summary>
    private async Task<string> DecisionLogLineAsync(string decisionId)
    {
        var loggers = fixture.App.Services.GetRequiredService<ResourceLoggerService>();
        var policy = fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == "policy");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                await foreach (var batch in loggers.GetAllAsync(policy).WithCancellation(drain.Token))
                {
                    var found = batch.Select(l => l.Content).FirstOrDefault(c => c.Contains($"Decision {decisionId}:", StringComparison.Ordinal));
                    if (found is not null)
                    {
                        return found;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The backlog was read without the line; it may not have been captured yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"No decision-log line for {decisionId}");
            await Task.Delay(500);
        }
    }
}
