using HealthcareCms.Api.Identity;
using HealthcareCms.Tests.Infrastructure;
using static HealthcareCms.Tests.Content.ContentTestKit;
using static HealthcareCms.Tests.Infrastructure.MetricsScrape;

namespace HealthcareCms.Tests.Content;

[Collection(AppHostCollection.Name)]
public sealed class RepoMetricsTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Queries_are_counted_and_timed_by_table_and_command_with_the_contract_buckets()
    {
        using var author = await TestUsers.LoginAsync(fixture, Roles.Physician);
        var post = await CreatePostAsync(author);
        await author.PutAsJsonAsync($"/api/posts/{post.Id()}", new { title = "t", body = "b", medicalCategory = "general", version = 1 });
        await author.PostAsync($"/api/posts/{post.Id()}/submit", null);
        await GetJsonAsync(author, $"/api/posts/{post.Id()}");

        var exposition = await ScrapeAsync(fixture, fresh: true);

        const string count = "healthcare_cms_repo_query_count_total";
        Assert.True(Sample(exposition, count, ("source", "posts"), ("command", "select")) > 0);
        Assert.True(Sample(exposition, count, ("source", "posts"), ("command", "insert")) > 0);
        Assert.True(Sample(exposition, count, ("source", "posts"), ("command", "update")) > 0);
        Assert.True(Sample(exposition, count, ("source", "post_revisions"), ("command", "insert")) > 0);
        Assert.True(Sample(exposition, count, ("source", "audit_log"), ("command", "insert")) > 0);
        Assert.True(Sample(exposition, count, ("source", "workflow_jobs"), ("command", "insert")) > 0);
        foreach (var histogram in new[] { "total_time", "query_time", "decode_time" })
        {
            var series = $"healthcare_cms_repo_query_{histogram}_seconds_bucket";
            Assert.True(HasSample(exposition, series, ("source", "posts"), ("command", "select"), ("le", "0.001")), $"{series} has no 1 ms bucket");
            Assert.True(HasSample(exposition, series, ("source", "posts"), ("command", "select"), ("le", "0.1")), $"{series} has no 0.1 s bucket");
            Assert.True(Sample(exposition, series, ("source", "posts"), ("command", "select"), ("le", "+Inf")) > 0);
        }

        Assert.True(Sample(exposition, "healthcare_cms_repo_query_queue_time_seconds_bucket", ("le", "+Inf")) > 0);
        Assert.True(Sample(exposition, "healthcare_cms_repo_query_queue_time_seconds_bucket", ("le", "0.1")) > 0);

        var repoLines = exposition.Split('\n').Where(l => l.StartsWith("healthcare_cms_repo_", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(repoLines);
        Assert.All(repoLines, line =>
        {
            Assert.DoesNotContain("SELECT ", line, StringComparison.Ordinal);
            Assert.DoesNotContain(" FROM ", line, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("cms.", line, StringComparison.Ordinal);
            Assert.DoesNotContain(post.Id().ToString(), line);
        });
        var sources = repoLines.SelectMany(l => System.Text.RegularExpressions.Regex.Matches(l, "source=\"([^\"]*)\"").Select(m => m.Groups[1].Value)).ToHashSet();
        Assert.Subset(HealthcareCms.ServiceDefaults.Telemetry.MetricCatalog.Values.DbTables.ToHashSet(), sources);
    }
}
