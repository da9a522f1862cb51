using System.Text.Json;
using HealthcareCms.Api.Identity;
using HealthcareCms.Tests.Content;
using HealthcareCms.Tests.Infrastructure;

namespace HealthcareCms.Tests.ZeroTrust;

/// <summary>
/// Draft routes are decided by the policy service as <c>post_draft</c> (per request, with the post's id and its
/// author as owner), on top of the Api's object rules (<c>PostAccess</c>): through the real AppHost.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class DraftEnforcementTests(AppHostFixture fixture)
{
    private const string Evaluations = "healthcare_cms_zero_trust_policy_evaluations_total";

    /// <summary>
    /// A password-only physician from an untrusted address (the shipped threshold, 40, admits it at any hour)
    /// writes a draft: every step is an allow of the policy service, counted there; the author's audit entries
    /// for the changes carry the allow's decision id, and the read of the draft is audited with its own.
    /// </summary>
    [Fact]
    public async Task Writing_a_draft_is_allowed_by_decisions_whose_ids_are_on_the_audit_entries()
    {
        var physician = await TestUsers.CreateSessionAsync(fixture, Roles.Physician);
        using var client = physician.Client;
        var before = MetricsScrape.Sample(await MetricsScrape.ScrapeAsync(fixture, "policy", fresh: true), Evaluations,
            ("decision", "allow"), ("resource_type", "post_draft"));

        var draft = await ContentTestKit.CreatePostAsync(client);
        using (var update = await client.PutAsJsonAsync($"/api/posts/{draft.Id()}", new
        {
            title = "Revised", body = ContentTestKit.CleanBody, medicalCategory = "cardiology", version = draft.GetProperty("version").GetInt32(),
        }))
        {
            Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        }

        var read = await ContentTestKit.GetJsonAsync(client, $"/api/posts/{draft.Id()}");
        Assert.Equal("Revised", read.GetProperty("title").GetString());

        var after = MetricsScrape.Sample(await MetricsScrape.ScrapeAsync(fixture, "policy", fresh: true), Evaluations,
            ("decision", "allow"), ("resource_type", "post_draft"));
        Assert.True(after - before >= 3, $"post_draft allows went from {before} to {after}: create, update and read are each decided");
        // The read of the draft is an audited access of its own (post_draft carries audit_access).
        Assert.Equal(1L, await ContentTestKit.ScalarAsync<long>(fixture,
            "SELECT count(*) FROM cms.audit_log WHERE resource_type = 'post' AND resource_id = $1 AND action = 'read' " +
            "AND outcome = 'success' AND length(decision_id) = 32 AND user_id = $2",
            draft.Id().ToString(), physician.UserId));
        foreach (var action in new[] { "create", "update" })
        {
            Assert.Equal(1L, await ContentTestKit.ScalarAsync<long>(fixture,
                "SELECT count(*) FROM cms.audit_log WHERE resource_type = 'post' AND resource_id = $1 AND action = $2 " +
                "AND outcome = 'success' AND length(decision_id) = 32",
                draft.Id().ToString(), action));
        }
    }

    /// <summary>
    /// The owner's own draft, but the policy says no (the account was disabled in identity's table while its
    /// session lived, so only the decision can refuse it): 403 with the policy's reasons and decision id, audited as
    /// a denial. A post the caller may not see stays a 404 and is never sent for a decision.
    /// </summary>
    [Fact]
    public async Task A_policy_denial_refuses_the_authors_own_draft_and_is_audited()
    {
        var physician = await TestUsers.CreateSessionAsync(fixture, Roles.Physician);
        using var client = physician.Client;
        var draft = (await ContentTestKit.CreatePostAsync(client)).Id();
        var other = await TestUsers.CreateSessionAsync(fixture, Roles.Physician);
        using (other.Client)
        using (var hidden = await other.Client.GetAsync($"/api/posts/{draft}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        }

        Assert.Equal(0L, await ContentTestKit.ScalarAsync<long>(fixture,
            "SELECT count(*) FROM cms.audit_log WHERE resource_id = $1 AND user_id = $2", draft.ToString(), other.UserId));

        Assert.Equal(1, await ContentTestKit.ExecuteAsync(fixture, "UPDATE cms.users SET is_disabled = true WHERE id = $1", physician.UserId));

        using var refused = await client.GetAsync($"/api/posts/{draft}");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("account_disabled", problem.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        var decisionId = problem.GetProperty("decisionId").GetString()!;
        Assert.Equal(32, decisionId.Length);
        Assert.Equal(1L, await ContentTestKit.ScalarAsync<long>(fixture,
            "SELECT count(*) FROM cms.audit_log WHERE resource_type = 'post' AND resource_id = $1 AND action = 'read' " +
            "AND outcome = 'denied' AND decision_id = $2 AND user_id = $3",
            draft.ToString(), decisionId, physician.UserId));
    }
}
