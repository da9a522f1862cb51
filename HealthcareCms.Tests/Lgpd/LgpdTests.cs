using System.Text.Json;
using HealthcareCms.Api.Identity;
using HealthcareCms.Tests.Content;
using HealthcareCms.Tests.Infrastructure;
using static HealthcareCms.Tests.Content.ContentTestKit;
using static HealthcareCms.Tests.Infrastructure.MetricsScrape;

namespace HealthcareCms.Tests.Lgpd;

[Collection(AppHostCollection.Name)]
public sealed class LgpdTests(AppHostFixture fixture)
{
    private const string LgpdEvents = "healthcare_cms_compliance_lgpd_events_total";

    private static string NewEmail() => $"subject-{Guid.NewGuid():N}@example.org";

    private async Task<Guid> SubscribeAsync(HttpClient client, string email, params string[] consents)
    {
        using var response = await client.PostAsJsonAsync("/api/subscribers", new { name = "Carla Dias", email, consents });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).Id();
    }

    private async Task<(Guid Id, DateTimeOffset DueAt)> RequestAsync(HttpClient client, string type, string email)
    {
        using var response = await client.PostAsJsonAsync("/api/lgpd/requests", new { type, email });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.Id(), body.GetProperty("dueAt").GetDateTimeOffset());
    }

    private async Task<JsonElement> ConfirmAsync(HttpClient client, Guid id, string email, string? name = null)
    {
        var token = await ConfirmationTokenAsync(fixture, email);
        using var response = await client.PostAsJsonAsync($"/api/lgpd/requests/{id}/confirm", new { token, name });
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"confirm answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Subscribing_records_one_ledger_grant_per_purpose_and_counts_consent_granted()
    {
        using var anonymous = TestUsers.AnonymousClient(fixture);
        var before = Sample(await ScrapeAsync(fixture, fresh: true), LgpdEvents, ("event_type", "consent_granted"));
        var id = await SubscribeAsync(anonymous, NewEmail(), "newsletter", "research_contact");

        Assert.Equal(2L, await ScalarAsync<long>(fixture,
            "SELECT count(*) FROM cms.consent_records WHERE subscriber_id = $1 AND action = 'grant' AND policy_version = '2026-01' AND channel = 'web_form'", id));
        var after = await WaitForIncreaseAsync(fixture, before + 1, LgpdEvents, ("event_type", "consent_granted"));
        Assert.True(after >= before + 2);
    }

    [Fact]
    public async Task Bad_subscriptions_are_refused_and_an_address_subscribes_once()
    {
        using var anonymous = TestUsers.AnonymousClient(fixture);
        using var badPurpose = await anonymous.PostAsJsonAsync("/api/subscribers", new { name = "A", email = NewEmail(), consents = new[] { "marketing_resale" } });
        using var badEmail = await anonymous.PostAsJsonAsync("/api/subscribers", new { name = "A", email = "not-an-email", consents = new[] { "newsletter" } });
        Assert.Equal(HttpStatusCode.BadRequest, badPurpose.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badEmail.StatusCode);

        var email = NewEmail();
        await SubscribeAsync(anonymous, email, "newsletter");
        using var twice = await anonymous.PostAsJsonAsync("/api/subscribers", new { name = "A", email = email.ToUpperInvariant(), consents = new[] { "newsletter" } });
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
    }

    [Fact]
    public async Task Processing_without_consent_is_refused_and_revocation_is_one_call()
    {
        using var anonymous = TestUsers.AnonymousClient(fixture);
        using var editor = await TestUsers.LoginAsync(fixture, Roles.Editor);
        var email = NewEmail();
        var id = await SubscribeAsync(anonymous, email, "newsletter");
        var message = new { subject = "Heart health", body = "Monthly news" };

        using var research = await editor.PostAsJsonAsync($"/api/subscribers/{id}/messages", new { purpose = "research_contact", message.subject, message.body });
        Assert.Equal(HttpStatusCode.Conflict, research.StatusCode);
        using var newsletter = await editor.PostAsJsonAsync($"/api/subscribers/{id}/messages", new { purpose = "newsletter", message.subject, message.body });
        Assert.Equal(HttpStatusCode.Accepted, newsletter.StatusCode);
        Assert.Equal(1L, await ScalarAsync<long>(fixture, "SELECT count(*) FROM cms.outbox_emails WHERE to_address = $1 AND subject = 'Heart health'", email));
        // Processing a subscriber's data is decided by the policy service (subscriber_data): both the refusal for
        // want of consent and the processing are audited with the decision that let the editor in.
        Assert.Equal(2L, await ScalarAsync<long>(fixture,
            "SELECT count(*) FROM cms.audit_log WHERE resource_type = 'subscriber' AND resource_id = $1 AND action = 'read' AND length(decision_id) = 32",
            id.ToString()));

        var before = Sample(await ScrapeAsync(fixture, fresh: true), LgpdEvents, ("event_type", "consent_revoked"));
        using var revoke = await anonymous.DeleteAsync($"/api/subscribers/{id}/consents/newsletter");
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        await WaitForIncreaseAsync(fixture, before, LgpdEvents, ("event_type", "consent_revoked"));

        using var afterRevoke = await editor.PostAsJsonAsync($"/api/subscribers/{id}/messages", new { purpose = "newsletter", message.subject, message.body });
        Assert.Equal(HttpStatusCode.Conflict, afterRevoke.StatusCode);
        Assert.Equal(1L, await ScalarAsync<long>(fixture, "SELECT count(*) FROM cms.outbox_emails WHERE to_address = $1 AND subject = 'Heart health'", email));
        Assert.Equal(["grant", "revoke"], await LedgerActionsAsync(id));

        using var reader = await TestUsers.LoginAsync(fixture, Roles.Reader);
        using var byReader = await reader.PostAsJsonAsync($"/api/subscribers/{id}/messages", new { purpose = "newsletter", message.subject, message.body });
        Assert.Equal(HttpStatusCode.Forbidden, byReader.StatusCode);
    }

    [Fact]
    public async Task The_consent_ledger_is_append_only_in_the_database()
    {
        using var anonymous = TestUsers.AnonymousClient(fixture);
        var id = await SubscribeAsync(anonymous, NewEmail(), "newsletter");

        var update = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            ExecuteAsync(fixture, "UPDATE cms.consent_records SET action = 'revoke' WHERE subscriber_id = $1", id));
        var delete = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            ExecuteAsync(fixture, "DELETE FROM cms.consent_records WHERE subscriber_id = $1", id));

        Assert.Contains("append-only", update.MessageText);
        Assert.Contains("append-only", delete.MessageText);
        Assert.Equal(["grant"], await LedgerActionsAsync(id));
    }

    [Fact]
    public async Task An_access_request_discloses_nothing_before_the_emailed_token_and_exports_everything_after()
    {
        using var anonymous = TestUsers.AnonymousClient(fixture);
        var email = NewEmail();
        await SubscribeAsync(anonymous, email, "newsletter", "research_contact");
        var before = Sample(await ScrapeAsync(fixture, fresh: true), LgpdEvents, ("event_type", "access_request"));

        var started = DateTimeOffset.UtcNow;
        var (id, dueAt) = await RequestAsync(anonymous, "access", email);
        Assert.InRange(dueAt - started, TimeSpan.FromDays(15) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(15) + TimeSpan.FromMinutes(1));
        await WaitForIncreaseAsync(fixture, before, LgpdEvents, ("event_type", "access_request"));

        using var wrong = await anonymous.PostAsJsonAsync($"/api/lgpd/requests/{id}/confirm", new { token = "guessed-token" });
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.DoesNotContain("Carla", await wrong.Content.ReadAsStringAsync());

        var completedBefore = Sample(await ScrapeAsync(fixture, fresh: true), LgpdEvents, ("event_type", "request_completed"));
        var token = await ConfirmationTokenAsync(fixture, email);
        var answer = await ConfirmAsync(anonymous, id, email);
        Assert.Equal("completed", answer.GetProperty("state").GetString());
        // The answered request's confirmation message (the token in clear) is gone from the outbox.
        Assert.Equal(0L, await ScalarAsync<long>(fixture, "SELECT count(*) FROM cms.outbox_emails WHERE body LIKE '%' || $1 || '%'", id.ToString()));
        var data = answer.GetProperty("result").GetProperty("data");
        Assert.Equal("Carla Dias", data.GetProperty("name").GetString());
        Assert.Equal(email, data.GetProperty("email").GetString());
        Assert.Equal(["newsletter", "research_contact"], data.GetProperty("currentConsents").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(2, data.GetProperty("consentHistory").GetArrayLength());
        await WaitForIncreaseAsync(fixture, completedBefore, LgpdEvents, ("event_type", "request_completed"));

        using var replay = await anonymous.PostAsJsonAsync($"/api/lgpd/requests/{id}/confirm", new { token });
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Null(await ScalarAsync<string>(fixture, "SELECT email FROM cms.lgpd_requests WHERE id = $1", id));
    }

    /// <summary>Two confirmations racing (a double click, a retried request): the row lock serializes them; the
    /// request is executed and answered once, the other gets 409, and the revocation is recorded once.</summary>
    [Fact]
    public async Task Concurrent_confirmations_execute_the_request_once()
    {
        using var first = TestUsers.AnonymousClient(fixture);
        using var second = TestUsers.AnonymousClient(fixture);
        var email = NewEmail();
        var subscriber = await SubscribeAsync(first, email, "newsletter");
        var (id, _) = await RequestAsync(first, "revocation", email);
        var token = await ConfirmationTokenAsync(fixture, email);

        var answers = await Task.WhenAll(
            first.PostAsJsonAsync($"/api/lgpd/requests/{id}/confirm", new { token }),
            second.PostAsJsonAsync($"/api/lgpd/requests/{id}/confirm", new { token }));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], answers.Select(a => a.StatusCode).Order());
        foreach (var answer in answers)
        {
            answer.Dispose();
        }

        Assert.Equal(["grant", "revoke"], await LedgerActionsAsync(subscriber));
        Assert.Equal(1L, await ScalarAsync<long>(fixture,
            "SELECT count(*) FROM cms.audit_log WHERE resource_type = 'lgpd_request' AND resource_id = $1 AND action = 'update'", id.ToString()));
    }

    [Fact]
    public async Task Confirmation_portability_sharing_info_and_correction_are_answered_after_confirmation()
    {
        using var anonymous = TestUsers.AnonymousClient(fixture);
        var email = NewEmail();
        await SubscribeAsync(anonymous, email, "newsletter");

        var confirmation = await ConfirmAsync(anonymous, (await RequestAsync(anonymous, "confirmation", email)).Id, email);
        Assert.True(confirmation.GetProperty("result").GetProperty("exists").GetBoolean());

        var portability = await ConfirmAsync(anonymous, (await RequestAsync(anonymous, "portability", email)).Id, email);
        Assert.Equal("application/vnd.healthcare-cms.lgpd-portability.v1+json", portability.GetProperty("result").GetProperty("format").GetString());
        Assert.Equal(email, portability.GetProperty("result").GetProperty("data").GetProperty("email").GetString());

        var sharing = await ConfirmAsync(anonymous, (await RequestAsync(anonymous, "sharing_info", email)).Id, email);
        Assert.NotEmpty(sharing.GetProperty("result").GetProperty("sharedWith").EnumerateArray());

        var correctionId = (await RequestAsync(anonymous, "correction", email)).Id;
        var token = await ConfirmationTokenAsync(fixture, email);
        using var noName = await anonymous.PostAsJsonAsync($"/api/lgpd/requests/{correctionId}/confirm", new { token });
        Assert.Equal(HttpStatusCode.BadRequest, noName.StatusCode);
        var corrected = await ConfirmAsync(anonymous, correctionId, email, "Carla Dias Corrigida");
        Assert.Equal("Carla Dias Corrigida", corrected.GetProperty("result").GetProperty("data").GetProperty("name").GetString());

        var unknown = NewEmail();
        var nothing = await ConfirmAsync(anonymous, (await RequestAsync(anonymous, "access", unknown)).Id, unknown);
        Assert.False(nothing.GetProperty("result").GetProperty("exists").GetBoolean());
    }

    [Fact]
    public async Task Revocation_request_revokes_every_consent()
    {
        using var anonymous = TestUsers.AnonymousClient(fixture);
        var email = NewEmail();
        var subscriber = await SubscribeAsync(anonymous, email, "newsletter", "research_contact");

        var answer = await ConfirmAsync(anonymous, (await RequestAsync(anonymous, "revocation", email)).Id, email);

        Assert.Equal(["newsletter", "research_contact"], answer.GetProperty("result").GetProperty("revokedPurposes").EnumerateArray().Select(p => p.GetString()).Order());
        Assert.Equal(2L, await ScalarAsync<long>(fixture,
            "SELECT count(*) FROM cms.consent_records WHERE subscriber_id = $1 AND action = 'revoke' AND channel = 'data_subject_request'", subscriber));
    }

    [Fact]
    public async Task Deletion_anonymises_the_subject_and_keeps_the_audit_record_of_the_deletion()
    {
        using var anonymous = TestUsers.AnonymousClient(fixture);
        using var dpo = (await TestUsers.ComplianceSessionAsync(fixture)).Client;
        var email = NewEmail();
        var subscriber = await SubscribeAsync(anonymous, email, "newsletter");
        var before = Sample(await ScrapeAsync(fixture, fresh: true), LgpdEvents, ("event_type", "deletion_request"));

        var (id, _) = await RequestAsync(anonymous, "deletion", email);
        await WaitForIncreaseAsync(fixture, before, LgpdEvents, ("event_type", "deletion_request"));
        var answer = await ConfirmAsync(anonymous, id, email);

        Assert.True(answer.GetProperty("result").GetProperty("anonymised").GetBoolean());
        Assert.Equal(0L, await ScalarAsync<long>(fixture,
            "SELECT count(*) FROM cms.subscribers WHERE id = $1 AND (name IS NOT NULL OR email IS NOT NULL)", subscriber));
        Assert.Equal(0L, await ScalarAsync<long>(fixture, "SELECT count(*) FROM cms.outbox_emails WHERE to_address = $1", email));
        Assert.Equal(0L, await ScalarAsync<long>(fixture, "SELECT count(*) FROM cms.lgpd_requests WHERE email = $1", email));
        Assert.Equal(["grant", "revoke"], await LedgerActionsAsync(subscriber));

        var audit = await GetJsonAsync(dpo, $"/api/audit?resourceType=subscriber&resourceId={subscriber}");
        var actions = audit.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Contains("anonymise", actions);
        Assert.Contains("create", actions);

        var again = NewEmail();
        await SubscribeAsync(anonymous, again, "newsletter");
        var nothing = await ConfirmAsync(anonymous, (await RequestAsync(anonymous, "access", email)).Id, email);
        Assert.False(nothing.GetProperty("result").GetProperty("exists").GetBoolean());
    }

    [Fact]
    public async Task Requests_past_the_15_day_deadline_appear_in_the_overdue_report_and_are_counted_once()
    {
        using var anonymous = TestUsers.AnonymousClient(fixture);
        using var dpo = (await TestUsers.ComplianceSessionAsync(fixture)).Client;
        using var physician = await TestUsers.LoginAsync(fixture, Roles.Physician);
        var (id, _) = await RequestAsync(anonymous, "access", NewEmail());
        var (fresh, _) = await RequestAsync(anonymous, "portability", NewEmail());
        await ExecuteAsync(fixture, "UPDATE cms.lgpd_requests SET created_at = now() - interval '16 days', due_at = now() - interval '1 day' WHERE id = $1", id);
        var before = Sample(await ScrapeAsync(fixture, fresh: true), LgpdEvents, ("event_type", "request_overdue"));

        var report = await GetJsonAsync(dpo, "/api/lgpd/requests/overdue?pageSize=100");
        var ids = report.GetProperty("items").EnumerateArray().Select(r => r.Id()).ToList();
        Assert.Contains(id, ids);
        Assert.DoesNotContain(fresh, ids);
        Assert.All(report.GetProperty("items").EnumerateArray(), r => Assert.True(r.GetProperty("overdue").GetBoolean()));
        var counted = await WaitForIncreaseAsync(fixture, before, LgpdEvents, ("event_type", "request_overdue"));

        await GetJsonAsync(dpo, "/api/lgpd/requests/overdue?pageSize=100");
        Assert.Equal(counted, Sample(await ScrapeAsync(fixture, fresh: true), LgpdEvents, ("event_type", "request_overdue")));
        Assert.NotNull(await ScalarAsync<DateTime?>(fixture, "SELECT overdue_reported_at FROM cms.lgpd_requests WHERE id = $1", id));

        var all = await GetJsonAsync(dpo, "/api/lgpd/requests?pageSize=100");
        Assert.DoesNotContain("@example.org", all.GetRawText());
        Assert.Equal(HttpStatusCode.Forbidden, (await physician.GetAsync("/api/lgpd/requests/overdue")).StatusCode);
    }

    [Theory]
    [InlineData("erase_everything", "someone@example.org")]
    [InlineData("access", "nope")]
    [InlineData(null, null)]
    public async Task Bad_requests_are_refused(string? type, string? email)
    {
        using var anonymous = TestUsers.AnonymousClient(fixture);
        using var response = await anonymous.PostAsJsonAsync("/api/lgpd/requests", new { type, email });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private async Task<List<string>> LedgerActionsAsync(Guid subscriberId)
    {
        await using var connection = await OpenDatabaseAsync(fixture);
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT action FROM cms.consent_records WHERE subscriber_id = $1 ORDER BY recorded_at, id", connection);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = subscriberId });
        var actions = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            actions.Add(reader.GetString(0));
        }

        return actions;
    }
}
