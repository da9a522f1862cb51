using HealthcareCms.Api.Identity;
using HealthcareCms.Tests.Infrastructure;
using static HealthcareCms.Tests.Content.ContentTestKit;

namespace HealthcareCms.Tests.Content;

/// <summary>
/// The Api side of CONTRACTS §4 driven step by step: a job this test holds the lease of (so the real worker
/// leaves it alone) is moved by hand, with the worker's NOTIFY, and the post follows exactly once per step.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class WorkflowOutcomeTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Running_moves_the_post_to_in_review_and_the_outcome_moves_it_once_even_when_notified_twice()
    {
        using var author = await TestUsers.LoginAsync(fixture, Roles.Physician);
        var post = await CreatePostAsync(author);
        var jobId = await SubmitWithHeldJobAsync(fixture, post.Id(), version: 2, "cardiology");
        await ExecuteAsync(fixture, "SELECT pg_notify('workflow_progress', $1::text)", jobId);

        Assert.Equal("in_review", await WaitForStatusAsync(author, post.Id(), "in_review"));
        var inReview = await GetJsonAsync(author, $"/api/posts/{post.Id()}");
        Assert.Equal(3, inReview.GetProperty("version").GetInt32());
        Assert.Equal("running", (await GetJsonAsync(author, $"/api/posts/{post.Id()}/workflow")).GetProperty("status").GetString());

        await ExecuteAsync(fixture, """
            INSERT INTO workflow.stage_results (job_id, stage, result, findings, duration_seconds)
            VALUES ($1, 'cfm', 'fail', '[{"ruleId":"CFM-SUPERLATIVE","message":"Superlative","start":4,"length":6}]'::jsonb, 0.01)
            """, jobId);
        await ExecuteAsync(fixture, """
            UPDATE workflow.jobs SET state = 'completed', outcome = 'changes_requested', completed_at = now(),
                lease_owner = NULL, lease_expires_at = NULL WHERE id = $1
            """, jobId);
        await ExecuteAsync(fixture, "SELECT pg_notify('workflow_progress', $1::text)", jobId);
        await ExecuteAsync(fixture, "SELECT pg_notify('workflow_progress', $1::text)", jobId);

        Assert.Equal("changes_requested", await WaitForStatusAsync(author, post.Id(), "changes_requested"));
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var final = await GetJsonAsync(author, $"/api/posts/{post.Id()}");
        Assert.Equal("changes_requested", final.GetProperty("status").GetString());
        Assert.Equal(4, final.GetProperty("version").GetInt32());

        var workflow = await GetJsonAsync(author, $"/api/posts/{post.Id()}/workflow");
        var stage = Assert.Single(workflow.GetProperty("stages").EnumerateArray());
        Assert.Equal("cfm", stage.GetProperty("stage").GetString());
        Assert.Equal("fail", stage.GetProperty("result").GetString());
        var finding = Assert.Single(stage.GetProperty("findings").EnumerateArray());
        Assert.Equal("CFM-SUPERLATIVE", finding.GetProperty("ruleId").GetString());
        Assert.Equal(4, finding.GetProperty("start").GetInt32());
        Assert.Equal(6, finding.GetProperty("length").GetInt32());
        Assert.Equal(2L, await ScalarAsync<long>(fixture,
            "SELECT count(*) FROM cms.audit_log WHERE resource_type = 'workflow' AND resource_id = $1", jobId.ToString()));
    }
}
