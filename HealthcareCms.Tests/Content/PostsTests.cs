using System.Text.Json;
using HealthcareCms.Api.Identity;
using HealthcareCms.Tests.Infrastructure;
using static HealthcareCms.Tests.Content.ContentTestKit;

namespace HealthcareCms.Tests.Content;

[Collection(AppHostCollection.Name)]
public sealed class PostsTests(AppHostFixture fixture)
{
    [Fact]
    public async Task A_physician_creates_a_draft_and_gets_id_version_and_status()
    {
        using var physician = await TestUsers.LoginAsync(fixture, Roles.Physician);

        using var response = await physician.PostAsJsonAsync("/api/posts",
            new { title = "Blood pressure basics", body = "# Basics\nSalt matters.", medicalCategory = "cardiology" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var post = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"/api/posts/{post.Id()}", response.Headers.Location?.OriginalString);
        Assert.Equal(1, post.GetProperty("version").GetInt32());
        Assert.Equal("draft", post.GetProperty("status").GetString());
        Assert.Equal("cardiology", post.GetProperty("medicalCategory").GetString());
        Assert.Equal("# Basics\nSalt matters.", (await GetJsonAsync(physician, $"/api/posts/{post.Id()}")).GetProperty("body").GetString());
    }

    [Theory]
    [InlineData(Roles.Reader)]
    [InlineData(Roles.Editor)]
    [InlineData(Roles.Dpo)]
    public async Task Only_physicians_create_posts(string role)
    {
        using var client = await TestUsers.LoginAsync(fixture, role);
        using var response = await client.PostAsJsonAsync("/api/posts", new { title = "t", body = "b", medicalCategory = "general" });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Anonymous_callers_cannot_create_posts()
    {
        using var anonymous = TestUsers.AnonymousClient(fixture);
        using var response = await anonymous.PostAsJsonAsync("/api/posts", new { title = "t", body = "b", medicalCategory = "general" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("", "body", "cardiology", "title")]
    [InlineData("title", "", "cardiology", "body")]
    [InlineData("title", "body", "astrology", "medicalCategory")]
    [InlineData("title", "body", null, "medicalCategory")]
    public async Task Invalid_posts_are_refused_with_a_validation_problem(string title, string body, string? category, string field)
    {
        using var physician = await TestUsers.LoginAsync(fixture, Roles.Physician);
        using var response = await physician.PostAsJsonAsync("/api/posts", new { title, body, medicalCategory = category });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Every_edit_bumps_the_version_and_keeps_the_previous_text_as_a_revision()
    {
        using var physician = await TestUsers.LoginAsync(fixture, Roles.Physician);
        var post = await CreatePostAsync(physician, "first text");

        using var first = await physician.PutAsJsonAsync($"/api/posts/{post.Id()}",
            new { title = "Second title", body = "second text", medicalCategory = "pediatrics", version = 1 });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(2, (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
        using var second = await physician.PutAsJsonAsync($"/api/posts/{post.Id()}",
            new { title = "Third title", body = "third text", medicalCategory = "pediatrics", version = 2 });
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);

        var current = await GetJsonAsync(physician, $"/api/posts/{post.Id()}");
        Assert.Equal(3, current.GetProperty("version").GetInt32());
        Assert.Equal("third text", current.GetProperty("body").GetString());
        var revisions = await GetJsonAsync(physician, $"/api/posts/{post.Id()}/revisions");
        Assert.Equal(2, revisions.GetProperty("total").GetInt32());
        var items = revisions.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([2, 1], items.Select(r => r.GetProperty("version").GetInt32()));
        Assert.Equal(["second text", "first text"], items.Select(r => r.GetProperty("body").GetString()));
        Assert.Equal("cardiology", items[1].GetProperty("medicalCategory").GetString());
    }

    [Fact]
    public async Task A_stale_version_is_refused_with_409_and_changes_nothing()
    {
        using var physician = await TestUsers.LoginAsync(fixture, Roles.Physician);
        var post = await CreatePostAsync(physician, "original");
        using var edit = await physician.PutAsJsonAsync($"/api/posts/{post.Id()}",
            new { title = "t2", body = "edited", medicalCategory = "general", version = 1 });
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);

        using var stale = await physician.PutAsJsonAsync($"/api/posts/{post.Id()}",
            new { title = "t3", body = "lost update", medicalCategory = "general", version = 1 });

        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal("application/problem+json", stale.Content.Headers.ContentType?.MediaType);
        Assert.Equal("edited", (await GetJsonAsync(physician, $"/api/posts/{post.Id()}")).GetProperty("body").GetString());
    }

    [Fact]
    public async Task Another_physician_can_neither_see_nor_edit_nor_submit_a_draft()
    {
        using var author = await TestUsers.LoginAsync(fixture, Roles.Physician);
        using var other = await TestUsers.LoginAsync(fixture, Roles.Physician);
        var post = await CreatePostAsync(author);

        using var get = await other.GetAsync($"/api/posts/{post.Id()}");
        using var put = await other.PutAsJsonAsync($"/api/posts/{post.Id()}", new { title = "x", body = "x", medicalCategory = "general", version = 1 });
        using var submit = await other.PostAsync($"/api/posts/{post.Id()}/submit", null);

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, put.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, submit.StatusCode);
        Assert.Equal(1, (await GetJsonAsync(author, $"/api/posts/{post.Id()}")).GetProperty("version").GetInt32());
    }

    /// <summary>Publishing the current text does not publish its history: an earlier revision may hold patient
    /// data the LGPD stage sent back. Author and staff read the revisions; readers and other physicians get 404
    /// (as for a post they cannot see), anonymous callers 401.</summary>
    [Fact]
    public async Task The_revisions_of_a_published_post_stay_with_its_author_and_the_staff()
    {
        using var author = await TestUsers.LoginAsync(fixture, Roles.Physician);
        using var other = await TestUsers.LoginAsync(fixture, Roles.Physician);
        using var reader = await TestUsers.LoginAsync(fixture, Roles.Reader);
        using var editor = await TestUsers.LoginAsync(fixture, Roles.Editor);
        using var anonymous = TestUsers.AnonymousClient(fixture);
        var post = await CreatePostAsync(author, body: "Paciente Joana Prado, CPF 529.982.247-25, teve alta após o tratamento.");
        using (var fixedText = await author.PutAsJsonAsync($"/api/posts/{post.Id()}",
            new { title = "Alta hospitalar", body = CleanBody, medicalCategory = "cardiology", version = 1 }))
        {
            Assert.Equal(HttpStatusCode.OK, fixedText.StatusCode);
        }

        using (var submit = await author.PostAsync($"/api/posts/{post.Id()}/submit", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        }

        Assert.Equal("approved", await WaitForStatusAsync(author, post.Id(), "approved", "changes_requested"));
        using (var publish = await editor.PostAsync($"/api/posts/{post.Id()}/publish", null))
        {
            Assert.Equal(HttpStatusCode.OK, publish.StatusCode);
        }

        var path = $"/api/posts/{post.Id()}/revisions";
        foreach (var (outsider, expected) in new[] { (other, HttpStatusCode.NotFound), (reader, HttpStatusCode.NotFound), (anonymous, HttpStatusCode.Unauthorized) })
        {
            using var refused = await outsider.GetAsync(path);
            Assert.Equal(expected, refused.StatusCode);
            Assert.DoesNotContain("Joana", await refused.Content.ReadAsStringAsync());
            using var current = await outsider.GetAsync($"/api/posts/{post.Id()}");
            Assert.Equal(HttpStatusCode.OK, current.StatusCode);
        }

        foreach (var insider in new[] { author, editor })
        {
            var history = await GetJsonAsync(insider, path);
            Assert.Contains("Joana Prado", Assert.Single(history.GetProperty("items").EnumerateArray()).GetProperty("body").GetString());
        }
    }

    [Fact]
    public async Task Another_physician_who_can_see_a_published_post_still_cannot_edit_it()
    {
        using var author = await TestUsers.LoginAsync(fixture, Roles.Physician);
        using var other = await TestUsers.LoginAsync(fixture, Roles.Physician);
        using var editor = await TestUsers.LoginAsync(fixture, Roles.Editor);
        var postId = await ApprovedPostAsync(author);
        using var publish = await editor.PostAsync($"/api/posts/{postId}/publish", null);
        Assert.Equal(HttpStatusCode.OK, publish.StatusCode);

        using var put = await other.PutAsJsonAsync($"/api/posts/{postId}", new { title = "x", body = "x", medicalCategory = "general", version = 5 });

        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Equal("application/problem+json", put.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Readers_and_anonymous_callers_never_see_drafts_and_editors_do_not_see_others_drafts()
    {
        using var author = await TestUsers.LoginAsync(fixture, Roles.Physician);
        using var reader = await TestUsers.LoginAsync(fixture, Roles.Reader);
        using var editor = await TestUsers.LoginAsync(fixture, Roles.Editor);
        using var anonymous = TestUsers.AnonymousClient(fixture);
        var post = await CreatePostAsync(author);

        foreach (var client in new[] { reader, editor, anonymous })
        {
            using var response = await client.GetAsync($"/api/posts/{post.Id()}");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        var list = await GetJsonAsync(anonymous, "/api/posts?pageSize=100");
        Assert.DoesNotContain(list.GetProperty("items").EnumerateArray(), p => p.Id() == post.Id());
    }

    [Fact]
    public async Task The_full_lifecycle_submit_review_approve_publish_archive_follows_the_state_machine()
    {
        using var author = await TestUsers.LoginAsync(fixture, Roles.Physician);
        using var editor = await TestUsers.LoginAsync(fixture, Roles.Editor);
        using var anonymous = TestUsers.AnonymousClient(fixture);
        var post = await CreatePostAsync(author);

        using var submit = await author.PostAsync($"/api/posts/{post.Id()}/submit", null);
        Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        var accepted = await submit.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("submitted", accepted.GetProperty("status").GetString());

        using var again = await author.PostAsync($"/api/posts/{post.Id()}/submit", null);
        Assert.True(again.StatusCode == HttpStatusCode.Conflict, $"resubmitting answered {(int)again.StatusCode}");

        using var editWhileSubmitted = await author.PutAsJsonAsync($"/api/posts/{post.Id()}",
            new { title = "t", body = "b", medicalCategory = "general", version = accepted.GetProperty("version").GetInt32() });
        Assert.Equal(HttpStatusCode.Conflict, editWhileSubmitted.StatusCode);

        Assert.Equal("approved", await WaitForStatusAsync(author, post.Id(), "approved", "changes_requested"));

        var workflow = await GetJsonAsync(author, $"/api/posts/{post.Id()}/workflow");
        Assert.Equal("completed", workflow.GetProperty("status").GetString());
        var stages = workflow.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("stage").GetString()).ToList();
        Assert.Contains("lgpd", stages);
        Assert.Contains("medical", stages);
        Assert.Contains("cfm", stages);
        Assert.All(workflow.GetProperty("stages").EnumerateArray(), s => Assert.Equal(JsonValueKind.Array, s.GetProperty("findings").ValueKind));

        using var byAuthor = await author.PostAsync($"/api/posts/{post.Id()}/publish", null);
        Assert.Equal(HttpStatusCode.Forbidden, byAuthor.StatusCode);

        using var publish = await editor.PostAsync($"/api/posts/{post.Id()}/publish", null);
        Assert.Equal(HttpStatusCode.OK, publish.StatusCode);
        var published = await publish.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("published", published.GetProperty("status").GetString());

        var list = await GetJsonAsync(anonymous, "/api/posts?pageSize=100");
        Assert.Contains(list.GetProperty("items").EnumerateArray(), p => p.Id() == post.Id());
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/posts/{post.Id()}")).StatusCode);

        using var republish = await editor.PostAsync($"/api/posts/{post.Id()}/publish", null);
        Assert.Equal(HttpStatusCode.Conflict, republish.StatusCode);

        using var archive = await editor.PostAsync($"/api/posts/{post.Id()}/archive", null);
        Assert.Equal(HttpStatusCode.OK, archive.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/api/posts/{post.Id()}")).StatusCode);
        using var archiveAgain = await editor.PostAsync($"/api/posts/{post.Id()}/archive", null);
        Assert.Equal(HttpStatusCode.Conflict, archiveAgain.StatusCode);
    }

    [Fact]
    public async Task A_post_with_findings_gets_changes_requested_then_can_be_edited_and_resubmitted()
    {
        using var author = await TestUsers.LoginAsync(fixture, Roles.Physician);
        var post = await CreatePostAsync(author, "Nosso tratamento tem resultado garantido e cura definitiva, 100% sem riscos.");

        using var submit = await author.PostAsync($"/api/posts/{post.Id()}/submit", null);
        Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        Assert.Equal("changes_requested", await WaitForStatusAsync(author, post.Id(), "approved", "changes_requested"));

        var workflow = await GetJsonAsync(author, $"/api/posts/{post.Id()}/workflow");
        Assert.Equal("changes_requested", workflow.GetProperty("outcome").GetString());
        var findings = workflow.GetProperty("stages").EnumerateArray().SelectMany(s => s.GetProperty("findings").EnumerateArray()).ToList();
        Assert.NotEmpty(findings);
        Assert.All(findings, f =>
        {
            Assert.False(string.IsNullOrEmpty(f.GetProperty("ruleId").GetString()));
            Assert.False(string.IsNullOrEmpty(f.GetProperty("message").GetString()));
            Assert.True(f.GetProperty("start").GetInt32() >= 0);
            Assert.True(f.GetProperty("length").GetInt32() > 0);
        });

        using var editor = await TestUsers.LoginAsync(fixture, Roles.Editor);
        using var publish = await editor.PostAsync($"/api/posts/{post.Id()}/publish", null);
        Assert.Equal(HttpStatusCode.Conflict, publish.StatusCode);

        var current = await GetJsonAsync(author, $"/api/posts/{post.Id()}");
        using var fix = await author.PutAsJsonAsync($"/api/posts/{post.Id()}",
            new { title = "Fixed", body = CleanBody, medicalCategory = "cardiology", version = current.GetProperty("version").GetInt32() });
        Assert.Equal(HttpStatusCode.OK, fix.StatusCode);
        using var resubmit = await author.PostAsync($"/api/posts/{post.Id()}/submit", null);
        Assert.Equal(HttpStatusCode.Accepted, resubmit.StatusCode);
        Assert.Equal("approved", await WaitForStatusAsync(author, post.Id(), "approved"));
    }

    [Fact]
    public async Task Submitting_queues_exactly_one_job_with_the_contract_payload()
    {
        using var author = await TestUsers.LoginAsync(fixture, Roles.Physician);
        var post = await CreatePostAsync(author, category: "dermatology");

        using var submit = await author.PostAsync($"/api/posts/{post.Id()}/submit", null);
        var accepted = await submit.Content.ReadFromJsonAsync<JsonElement>();
        var jobId = accepted.GetProperty("jobId").GetGuid();

        Assert.Equal(1L, await ScalarAsync<long>(fixture, "SELECT count(*) FROM workflow.jobs WHERE post_id = $1", post.Id()));
        var payloadText = await ScalarAsync<string>(fixture, "SELECT payload::text FROM workflow.jobs WHERE id = $1", jobId);
        var payload = JsonDocument.Parse(payloadText!).RootElement;
        Assert.Equal(post.Id(), payload.GetProperty("postId").GetGuid());
        Assert.Equal(accepted.GetProperty("version").GetInt32(), payload.GetProperty("version").GetInt32());
        Assert.Equal("dermatology", payload.GetProperty("medicalCategory").GetString());
        Assert.Equal(CleanBody, payload.GetProperty("body").GetString());
        Assert.Equal("654321", payload.GetProperty("author").GetProperty("crm").GetString());
        Assert.Equal("RJ", payload.GetProperty("author").GetProperty("uf").GetString());
        Assert.Equal(JsonValueKind.Array, payload.GetProperty("patientConsentIds").ValueKind);
        Assert.Equal("dermatology", await ScalarAsync<string>(fixture, "SELECT medical_category FROM workflow.jobs WHERE id = $1", jobId));
    }

    [Fact]
    public async Task Workflow_of_a_post_never_submitted_is_404_and_publishing_a_draft_is_409()
    {
        using var author = await TestUsers.LoginAsync(fixture, Roles.Physician);
        using var admin = await TestUsers.LoginAsync(fixture, Roles.Admin);
        var post = await CreatePostAsync(author);

        using var workflow = await author.GetAsync($"/api/posts/{post.Id()}/workflow");
        Assert.Equal(HttpStatusCode.NotFound, workflow.StatusCode);

        using var edit = await author.PutAsJsonAsync($"/api/posts/{post.Id()}", new { title = "t", body = "b", medicalCategory = "general", version = 1 });
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        // Submitted but not approved: the job is held by a lease the real worker respects (a trivial post like this
        // one would otherwise be approved within milliseconds), so publishing is deterministically an invalid move.
        await SubmitWithHeldJobAsync(fixture, post.Id(), version: 3, "general");
        using var publish = await admin.PostAsync($"/api/posts/{post.Id()}/publish", null);
        Assert.Equal(HttpStatusCode.Conflict, publish.StatusCode);
        var problem = await publish.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(409, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Paging_is_validated_and_answered_as_items_page_pageSize_total()
    {
        using var anonymous = TestUsers.AnonymousClient(fixture);

        using var bad = await anonymous.GetAsync("/api/posts?page=0&pageSize=1000");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var page = await GetJsonAsync(anonymous, "/api/posts?page=1&pageSize=2");
        Assert.Equal(1, page.GetProperty("page").GetInt32());
        Assert.Equal(2, page.GetProperty("pageSize").GetInt32());
        // The collection's tests run one at a time: nothing publishes between the query and the count.
        var published = (int)(await ScalarAsync<long>(fixture, "SELECT count(*) FROM cms.posts WHERE status = 'published'"));
        Assert.Equal(published, page.GetProperty("total").GetInt32());
        Assert.Equal(Math.Min(published, 2), page.GetProperty("items").GetArrayLength());
        var beyond = await GetJsonAsync(anonymous, $"/api/posts?page={(published / 2) + 2}&pageSize=2");
        Assert.Equal(0, beyond.GetProperty("items").GetArrayLength());
        Assert.Equal(published, beyond.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Every_post_write_is_audited_with_who_what_and_outcome()
    {
        var author = await TestUsers.CreateSessionAsync(fixture, Roles.Physician);
        using var _ = author.Client;
        using var dpo = (await TestUsers.ComplianceSessionAsync(fixture)).Client;
        var post = await CreatePostAsync(author.Client);
        await author.Client.PutAsJsonAsync($"/api/posts/{post.Id()}", new { title = "t", body = "b", medicalCategory = "general", version = 1 });
        await author.Client.PostAsync($"/api/posts/{post.Id()}/submit", null);

        var audit = await GetJsonAsync(dpo, $"/api/audit?resourceType=post&resourceId={post.Id()}");
        var actions = audit.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Contains("create", actions);
        Assert.Contains("update", actions);
        Assert.Contains("submit", actions);
        Assert.All(audit.GetProperty("items").EnumerateArray(), e =>
        {
            Assert.Equal(author.UserId, e.GetProperty("agent").GetProperty("who").GetGuid());
            Assert.Equal("physician", e.GetProperty("agent").GetProperty("role").GetString());
            Assert.Equal("success", e.GetProperty("outcome").GetString());
            Assert.Equal("post", e.GetProperty("entity").GetProperty("type").GetString());
            Assert.False(string.IsNullOrEmpty(e.GetProperty("requestId").GetString()));
            Assert.False(string.IsNullOrEmpty(e.GetProperty("agent").GetProperty("network").GetString()));
        });
    }

    [Fact]
    public async Task The_openapi_document_describes_every_content_compliance_and_audit_route()
    {
        using var anonymous = TestUsers.AnonymousClient(fixture);
        var document = await GetJsonAsync(anonymous, "/openapi/v1.json");
        var paths = document.GetProperty("paths");

        foreach (var (path, method) in new[]
        {
            ("/api/posts", "post"), ("/api/posts/{id}", "put"), ("/api/posts/{id}/revisions", "get"), ("/api/posts/{id}/submit", "post"),
            ("/api/posts/{id}/workflow", "get"), ("/api/posts/{id}/publish", "post"), ("/api/posts/{id}/archive", "post"),
            ("/api/posts/{id}/patient-consents", "post"), ("/api/patient-consents/{id}", "get"), ("/api/subscribers", "post"),
            ("/api/subscribers/{id}/consents/{purpose}", "delete"), ("/api/subscribers/{id}/messages", "post"),
            ("/api/lgpd/requests", "post"), ("/api/lgpd/requests/{id}/confirm", "post"), ("/api/lgpd/requests/overdue", "get"),
            ("/api/audit", "get"), ("/api/audit/verify", "get"),
        })
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is missing from the OpenAPI document");
            Assert.True(item.TryGetProperty(method, out var operation), $"{method} {path} is missing");
            Assert.False(string.IsNullOrEmpty(operation.GetProperty("operationId").GetString()));
            Assert.False(string.IsNullOrEmpty(operation.GetProperty("summary").GetString()));
        }
    }
}
