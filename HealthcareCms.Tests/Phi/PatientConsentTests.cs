using System.Text;
using System.Text.Json;
using HealthcareCms.Api.Identity;
using HealthcareCms.Tests.Content;
using HealthcareCms.Tests.Infrastructure;
using Npgsql;
using static HealthcareCms.Tests.Content.ContentTestKit;
using static HealthcareCms.Tests.Infrastructure.MetricsScrape;

namespace HealthcareCms.Tests.Phi;

[Collection(AppHostCollection.Name)]
public sealed class PatientConsentTests(AppHostFixture fixture)
{
    private const string PhiAccess = "healthcare_cms_compliance_phi_access_total";

    [Fact]
    public async Task The_author_with_mfa_records_and_reads_a_consent_and_each_access_is_counted_by_role()
    {
        using var author = (await TestUsers.LoginAsync(fixture, Roles.Physician, withMfa: true)).OnManagedDevice();
        var post = await CreatePostAsync(author);
        var cpf = NewCpf();
        var before = Sample(await ScrapeAsync(fixture, fresh: true), PhiAccess, ("user_role", "physician"));

        using var created = await author.PostAsJsonAsync($"/api/posts/{post.Id()}/patient-consents",
            new { patientName = "Maria Aparecida Souza", cpf, birthDate = "1980-02-29", scope = "image_use" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).Id();
        Assert.Equal($"/api/patient-consents/{id}", created.Headers.Location?.OriginalString);

        var consent = await GetJsonAsync(author, $"/api/patient-consents/{id}");
        Assert.Equal("Maria Aparecida Souza", consent.GetProperty("patientName").GetString());
        Assert.Equal(cpf, consent.GetProperty("cpf").GetString());
        Assert.Equal("1980-02-29", consent.GetProperty("birthDate").GetString());
        Assert.Equal("image_use", consent.GetProperty("scope").GetString());
        Assert.Equal(post.Id(), consent.GetProperty("postId").GetGuid());

        var after = await WaitForIncreaseAsync(fixture, before + 1, PhiAccess, ("user_role", "physician"));
        Assert.True(after >= before + 2, $"phi_access went from {before} to {after}");
    }

    [Fact]
    public async Task The_phi_columns_hold_only_aes_gcm_ciphertext_with_the_key_id()
    {
        using var author = (await TestUsers.LoginAsync(fixture, Roles.Physician, withMfa: true)).OnManagedDevice();
        var post = await CreatePostAsync(author);
        var cpf = NewCpf();
        const string name = "Joaquim Barbosa Encryptiontest";

        using var created = await author.PostAsJsonAsync($"/api/posts/{post.Id()}/patient-consents",
            new { patientName = name, cpf, birthDate = "1975-06-01", scope = "case_report" });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).Id();

        await using var connection = await OpenDatabaseAsync(fixture);
        await using var command = new NpgsqlCommand("SELECT * FROM cms.patient_consents WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var row = new StringBuilder();
        for (var i = 0; i < reader.FieldCount; i++)
        {
            var value = reader.GetValue(i);
            row.Append(reader.GetName(i)).Append('=').Append(value switch
            {
                byte[] bytes => Encoding.UTF8.GetString(bytes) + "|" + Convert.ToHexString(bytes),
                _ => value.ToString(),
            }).Append(';');
        }

        var stored = row.ToString();
        Assert.DoesNotContain(name, stored, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Encryptiontest", stored, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(cpf, stored);
        Assert.DoesNotContain(Convert.ToHexString(Encoding.UTF8.GetBytes(cpf)), stored);
        Assert.DoesNotContain("1975-06-01", stored);
        Assert.Equal("k1", reader.GetString(reader.GetOrdinal("key_id")));
        var cpfCipher = (byte[])reader["cpf_ciphertext"];
        Assert.Equal(12 + 16 + cpf.Length, cpfCipher.Length);
    }

    [Fact]
    public async Task Without_mfa_or_as_another_user_the_consent_is_refused_and_the_denial_audited()
    {
        var author = await TestUsers.CreateSessionAsync(fixture, Roles.Physician, withMfa: true);
        using var _ = author.Client.OnManagedDevice();
        using var otherPhysician = (await TestUsers.LoginAsync(fixture, Roles.Physician, withMfa: true)).OnManagedDevice();
        using var dpo = (await TestUsers.ComplianceSessionAsync(fixture)).Client.OnManagedDevice();
        using var editor = await TestUsers.LoginAsync(fixture, Roles.Editor);
        using var anonymous = TestUsers.AnonymousClient(fixture);
        var post = await CreatePostAsync(author.Client);
        using var created = await author.Client.PostAsJsonAsync($"/api/posts/{post.Id()}/patient-consents",
            new { patientName = "Ana Lima", cpf = NewCpf(), birthDate = "1990-01-01", scope = "image_use" });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).Id();

        // A physician in a password-only session (no TOTP) cannot touch PHI, even on their own post.
        using var noMfaAuthor = (await TestUsers.LoginAsync(fixture, Roles.Physician)).OnManagedDevice();
        var ownPost = await CreatePostAsync(noMfaAuthor);
        using var noMfa = await noMfaAuthor.PostAsJsonAsync($"/api/posts/{ownPost.Id()}/patient-consents",
            new { patientName = "Ana Lima", cpf = NewCpf(), birthDate = "1990-01-01", scope = "image_use" });
        Assert.Equal(HttpStatusCode.Forbidden, noMfa.StatusCode);
        Assert.Contains("mfa_required", await noMfa.Content.ReadAsStringAsync());

        foreach (var client in new[] { otherPhysician, dpo, editor })
        {
            using var response = await client.GetAsync($"/api/patient-consents/{id}");
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.DoesNotContain("Ana Lima", await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/patient-consents/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await author.Client.GetAsync($"/api/patient-consents/{Guid.NewGuid()}")).StatusCode);

        using var createByOther = await otherPhysician.PostAsJsonAsync($"/api/posts/{post.Id()}/patient-consents",
            new { patientName = "X Y", cpf = NewCpf(), birthDate = "1990-01-01", scope = "image_use" });
        Assert.Equal(HttpStatusCode.NotFound, createByOther.StatusCode);

        var audit = await GetJsonAsync(dpo, $"/api/audit?resourceType=patient_consent&resourceId={id}&outcome=denied");
        Assert.Equal(3, audit.GetProperty("total").GetInt32());
        Assert.All(audit.GetProperty("items").EnumerateArray(), e =>
        {
            Assert.Equal("read", e.GetProperty("action").GetString());
            Assert.False(string.IsNullOrEmpty(e.GetProperty("decisionId").GetString()));
        });
    }

    [Theory]
    [InlineData("111.111.111-11")]
    [InlineData("00000000000")]
    [InlineData("123.456.789-00")]
    [InlineData("1234567890")]
    [InlineData("cpf-xyz")] // not hex-only: a trace id in the problem could contain a hex string by chance
    public async Task Invalid_or_repeated_digit_cpfs_are_refused(string cpf)
    {
        using var author = (await TestUsers.LoginAsync(fixture, Roles.Physician, withMfa: true)).OnManagedDevice();
        var post = await CreatePostAsync(author);

        using var response = await author.PostAsJsonAsync($"/api/posts/{post.Id()}/patient-consents",
            new { patientName = "Paulo Mendes", cpf, birthDate = "1990-01-01", scope = "image_use" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("cpf", out _));
        Assert.DoesNotContain(cpf, problem.GetRawText());
    }

    [Theory]
    [InlineData("29/02/1980", "image_use", "birthDate")]
    [InlineData("2999-01-01", "image_use", "birthDate")]
    [InlineData("1980-01-01", "selfies", "scope")]
    public async Task Bad_birth_dates_and_scopes_are_refused(string birthDate, string scope, string field)
    {
        using var author = (await TestUsers.LoginAsync(fixture, Roles.Physician, withMfa: true)).OnManagedDevice();
        var post = await CreatePostAsync(author);

        using var response = await author.PostAsJsonAsync($"/api/posts/{post.Id()}/patient-consents",
            new { patientName = "Paulo Mendes", cpf = NewCpf(), birthDate, scope });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Consent_ids_go_to_the_workflow_but_phi_never_appears_in_posts_or_lists()
    {
        using var author = (await TestUsers.LoginAsync(fixture, Roles.Physician, withMfa: true)).OnManagedDevice();
        var post = await CreatePostAsync(author);
        var cpf = NewCpf();
        using var created = await author.PostAsJsonAsync($"/api/posts/{post.Id()}/patient-consents",
            new { patientName = "Helena Listcheck", cpf, birthDate = "1970-12-31", scope = "case_report" });
        var consentId = (await created.Content.ReadFromJsonAsync<JsonElement>()).Id();

        using var submit = await author.PostAsync($"/api/posts/{post.Id()}/submit", null);
        var jobId = (await submit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetGuid();
        var payload = await ScalarAsync<string>(fixture, "SELECT payload::text FROM workflow.jobs WHERE id = $1", jobId);
        Assert.Contains(consentId.ToString(), payload);
        Assert.DoesNotContain("Listcheck", payload);
        Assert.DoesNotContain(cpf, payload);

        foreach (var path in new[] { $"/api/posts/{post.Id()}", $"/api/posts/{post.Id()}/revisions", "/api/posts?pageSize=100" })
        {
            var body = await author.GetStringAsync(path);
            Assert.DoesNotContain("Listcheck", body);
            Assert.DoesNotContain(cpf, body);
        }
    }

    [Fact]
    public async Task A_failed_audit_write_fails_the_phi_read_and_is_counted()
    {
        using var author = (await TestUsers.LoginAsync(fixture, Roles.Physician, withMfa: true)).OnManagedDevice();
        var post = await CreatePostAsync(author);
        using var created = await author.PostAsJsonAsync($"/api/posts/{post.Id()}/patient-consents",
            new { patientName = "Rita Auditfail", cpf = NewCpf(), birthDate = "1990-01-01", scope = "image_use" });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).Id();
        var before = Sample(await ScrapeAsync(fixture, fresh: true), "healthcare_cms_compliance_audit_write_failures_total");

        // Make the database refuse audit rows for this one consent, as a failing audit store would.
        var trigger = $"test_audit_fail_{Guid.NewGuid():N}";
        await ExecuteAsync(fixture, $"""
            CREATE TRIGGER {trigger} BEFORE INSERT ON cms.audit_log FOR EACH ROW
            WHEN (NEW.resource_id = '{id}') EXECUTE FUNCTION cms.reject_append_only_change()
            """);
        try
        {
            using var read = await author.GetAsync($"/api/patient-consents/{id}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, read.StatusCode);
            Assert.Equal("application/problem+json", read.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("Auditfail", await read.Content.ReadAsStringAsync());
        }
        finally
        {
            await ExecuteAsync(fixture, $"DROP TRIGGER {trigger} ON cms.audit_log");
        }

        await WaitForIncreaseAsync(fixture, before, "healthcare_cms_compliance_audit_write_failures_total");
        Assert.Equal(HttpStatusCode.OK, (await author.GetAsync($"/api/patient-consents/{id}")).StatusCode);
    }
}
