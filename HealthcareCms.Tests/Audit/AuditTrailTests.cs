using System.Text.Json;
using HealthcareCms.Api.Identity;
using HealthcareCms.Tests.Content;
using HealthcareCms.Tests.Infrastructure;
using Npgsql;
using static HealthcareCms.Tests.Content.ContentTestKit;
using static HealthcareCms.Tests.Infrastructure.MetricsScrape;

namespace HealthcareCms.Tests.Audit;

[Collection(AppHostCollection.Name)]
public sealed class AuditTrailTests(AppHostFixture fixture)
{
    [Fact]
    public async Task The_database_rejects_update_delete_and_truncate_of_audit_records()
    {
        using var physician = await TestUsers.LoginAsync(fixture, Roles.Physician);
        await CreatePostAsync(physician);

        var update = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(fixture, "UPDATE cms.audit_log SET outcome = 'success'"));
        var delete = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(fixture, "DELETE FROM cms.audit_log"));
        var truncate = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(fixture, "TRUNCATE cms.audit_log"));

        Assert.All([update, delete, truncate], e => Assert.Contains("append-only", e.MessageText));
        Assert.True(await ScalarAsync<long>(fixture, "SELECT count(*) FROM cms.audit_log") > 0);
    }

    [Fact]
    public async Task Verify_finds_a_record_altered_directly_in_sql_and_the_restored_chain_verifies_again()
    {
        using var dpo = (await TestUsers.ComplianceSessionAsync(fixture)).Client;
        using var physician = await TestUsers.LoginAsync(fixture, Roles.Physician);
        var post = await CreatePostAsync(physician);
        var target = await ScalarAsync<long>(fixture,
            "SELECT id FROM cms.audit_log WHERE resource_type = 'post' AND resource_id = $1 AND action = 'create'", post.Id().ToString());

        var intact = await GetJsonAsync(dpo, "/api/audit/verify");
        Assert.True(intact.GetProperty("valid").GetBoolean(), intact.GetRawText());
        Assert.True(intact.GetProperty("checkedEntries").GetInt64() >= target);

        // A superuser goes around the trigger and rewrites history.
        await ExecuteAsync(fixture, """
            ALTER TABLE cms.audit_log DISABLE TRIGGER audit_log_append_only;
            UPDATE cms.audit_log SET outcome = 'denied' WHERE id = $1;
            ALTER TABLE cms.audit_log ENABLE TRIGGER audit_log_append_only;
            """.Replace("$1", target.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        try
        {
            var tampered = await GetJsonAsync(dpo, "/api/audit/verify");
            Assert.False(tampered.GetProperty("valid").GetBoolean());
            Assert.Equal(target, tampered.GetProperty("firstInvalidSequence").GetInt64());
            Assert.Equal("hash_mismatch", tampered.GetProperty("problem").GetString());
        }
        finally
        {
            await ExecuteAsync(fixture, $"""
                ALTER TABLE cms.audit_log DISABLE TRIGGER audit_log_append_only;
                UPDATE cms.audit_log SET outcome = 'success' WHERE id = {target};
                ALTER TABLE cms.audit_log ENABLE TRIGGER audit_log_append_only;
                """);
        }

        Assert.True((await GetJsonAsync(dpo, "/api/audit/verify")).GetProperty("valid").GetBoolean());
        var verifications = await GetJsonAsync(dpo, "/api/audit?resourceType=audit_log&action=verify&outcome=failure");
        Assert.True(verifications.GetProperty("total").GetInt32() >= 1);
    }

    [Fact]
    public async Task Each_record_links_to_the_previous_hash_without_gaps()
    {
        using var physician = await TestUsers.LoginAsync(fixture, Roles.Physician);
        await CreatePostAsync(physician);

        await using var connection = await OpenDatabaseAsync(fixture);
        await using var command = new NpgsqlCommand("SELECT id, previous_hash, hash FROM cms.audit_log ORDER BY id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        long expected = 1;
        var previous = new string('0', 64);
        while (await reader.ReadAsync())
        {
            Assert.Equal(expected++, reader.GetInt64(0));
            Assert.Equal(previous, reader.GetString(1));
            previous = reader.GetString(2);
            Assert.Matches("^[0-9a-f]{64}$", previous);
        }

        Assert.True(expected > 1);
        Assert.Equal(previous, await ScalarAsync<string>(fixture, "SELECT last_hash FROM cms.audit_chain_head"));
    }

    [Fact]
    public async Task Auth_events_land_in_the_chained_trail_and_the_list_is_filtered_and_paged()
    {
        var admin = await TestUsers.ComplianceSessionAsync(fixture, Roles.Admin);
        using var _ = admin.Client;

        var logins = await GetJsonAsync(admin.Client, $"/api/audit?resourceType=session&action=login&userId={admin.UserId}&page=1&pageSize=2");
        Assert.Equal(1, logins.GetProperty("page").GetInt32());
        Assert.Equal(2, logins.GetProperty("pageSize").GetInt32());
        Assert.True(logins.GetProperty("total").GetInt32() >= 1);
        Assert.InRange(logins.GetProperty("items").GetArrayLength(), 1, 2);
        Assert.All(logins.GetProperty("items").EnumerateArray(), e =>
        {
            Assert.Equal("login", e.GetProperty("action").GetString());
            Assert.Equal("E", e.GetProperty("fhirAction").GetString());
            Assert.Equal("api", e.GetProperty("source").GetString());
            Assert.Equal(admin.UserId, e.GetProperty("agent").GetProperty("who").GetGuid());
        });

        var since = DateTimeOffset.UtcNow.AddYears(1).ToString("O");
        var none = await GetJsonAsync(admin.Client, $"/api/audit?from={Uri.EscapeDataString(since)}");
        Assert.Equal(0, none.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task An_access_refused_by_a_route_policy_is_audited_as_a_denial()
    {
        var physician = await TestUsers.CreateSessionAsync(fixture, Roles.Physician);
        using var _ = physician.Client;
        using var dpo = (await TestUsers.ComplianceSessionAsync(fixture)).Client;
        var post = await CreatePostAsync(physician.Client);

        using var publish = await physician.Client.PostAsync($"/api/posts/{post.Id()}/publish", null);
        Assert.Equal(HttpStatusCode.Forbidden, publish.StatusCode);

        var denials = await GetJsonAsync(dpo, $"/api/audit?resourceType=post&resourceId={post.Id()}&action=deny");
        var denial = Assert.Single(denials.GetProperty("items").EnumerateArray());
        Assert.Equal("denied", denial.GetProperty("outcome").GetString());
        Assert.Equal(physician.UserId, denial.GetProperty("agent").GetProperty("who").GetGuid());
        Assert.Equal("physician", denial.GetProperty("agent").GetProperty("role").GetString());
    }

    /// <summary>The role is necessary, not sufficient: every read of the trail and of the LGPD request lists is
    /// decided by the policy service (audit_log: MFA and a trusted network; lgpd_request: MFA). A DPO with a
    /// password-only session, or with MFA from an untrusted address, is refused with the decision's reasons, and
    /// the refusal is audited with its decision id.</summary>
    [Fact]
    public async Task A_dpo_without_mfa_or_off_network_is_refused_by_the_policy_and_the_refusal_is_audited()
    {
        var passwordOnly = await TestUsers.CreateSessionAsync(fixture, Roles.Dpo);
        using var _ = passwordOnly.Client.WithClientAddress(TestUsers.TrustedAddress);
        var offNetwork = await TestUsers.CreateSessionAsync(fixture, Roles.Dpo, withMfa: true);
        using var __ = offNetwork.Client.WithClientAddress("203.0.113.77");
        using var officer = (await TestUsers.ComplianceSessionAsync(fixture)).Client;

        foreach (var (client, path, reason) in new[]
        {
            (passwordOnly.Client, "/api/audit", "mfa_required"),
            (passwordOnly.Client, "/api/lgpd/requests", "mfa_required"),
            (offNetwork.Client, "/api/audit/verify", "untrusted_network"),
        })
        {
            using var refused = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains(reason, problem.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
            Assert.Equal(32, problem.GetProperty("decisionId").GetString()!.Length);
        }

        using (var allowed = await officer.GetAsync("/api/lgpd/requests"))
        {
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        var denials = await GetJsonAsync(officer, $"/api/audit?userId={passwordOnly.UserId}&outcome=denied");
        Assert.Equal(["audit_log", "lgpd_request"], denials.GetProperty("items").EnumerateArray()
            .Select(e => e.GetProperty("entity").GetProperty("type").GetString()).Order());
        Assert.All(denials.GetProperty("items").EnumerateArray(), e => Assert.Equal(32, e.GetProperty("decisionId").GetString()!.Length));
    }

    [Theory]
    [InlineData(Roles.Physician)]
    [InlineData(Roles.Editor)]
    [InlineData(Roles.Reader)]
    public async Task Only_dpo_and_admin_read_or_verify_the_trail(string role)
    {
        using var client = await TestUsers.LoginAsync(fixture, role);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/audit/verify")).StatusCode);
        using var anonymous = TestUsers.AnonymousClient(fixture);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/audit")).StatusCode);
    }

    [Fact]
    public async Task Audit_entries_are_counted_by_resource_type_and_action()
    {
        using var physician = await TestUsers.LoginAsync(fixture, Roles.Physician);
        const string series = "healthcare_cms_compliance_audit_log_entries_total";
        var before = Sample(await ScrapeAsync(fixture, fresh: true), series, ("resource_type", "post"), ("action", "create"));

        await CreatePostAsync(physician);

        await WaitForIncreaseAsync(fixture, before, series, ("resource_type", "post"), ("action", "create"));
        var exposition = await ScrapeAsync(fixture, fresh: true);
        Assert.True(Sample(exposition, series, ("resource_type", "session"), ("action", "login")) > 0);
    }
}
