using Aspire.Hosting.ApplicationModel;
using HealthcareCms.Api.Identity;
using HealthcareCms.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static HealthcareCms.Tests.Content.ContentTestKit;
using static HealthcareCms.Tests.Infrastructure.MetricsScrape;

namespace HealthcareCms.Tests.Content;

[Collection(AppHostCollection.Name)]
public sealed class PiiTelemetryTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Names_emails_and_cpfs_sent_to_the_api_never_reach_metrics_or_the_api_logs()
    {
        var marker = Guid.NewGuid().ToString("N")[..10];
        var name = $"Zebulon Piimarker{marker}";
        var email = $"pii-{marker}@leak-check.example";
        var cpf = NewCpf();
        var secrets = new[] { name, $"Piimarker{marker}", email, cpf, $"{cpf[..3]}.{cpf[3..6]}.{cpf[6..9]}-{cpf[9..]}" };

        using var anonymous = TestUsers.AnonymousClient(fixture);
        using var author = (await TestUsers.LoginAsync(fixture, Roles.Physician, withMfa: true)).OnManagedDevice();

        // Every place personal data enters: subscribers, rights requests, PHI, post bodies, bad input, logins.
        // Each input is checked to have been taken in (or refused as the bad input it is): a test that sent personal
        // data nowhere would find none anywhere.
        await ExpectAsync(anonymous.PostAsJsonAsync("/api/subscribers", new { name, email, consents = new[] { "newsletter" } }), HttpStatusCode.Created);
        await ExpectAsync(anonymous.PostAsJsonAsync("/api/subscribers", new { name, email, consents = new[] { "newsletter" } }), HttpStatusCode.Conflict);
        await ExpectAsync(anonymous.PostAsJsonAsync("/api/subscribers", new { name, email = $"{name} <broken", consents = new[] { "bogus" } }), HttpStatusCode.BadRequest);
        using var dsr = await anonymous.PostAsJsonAsync("/api/lgpd/requests", new { type = "access", email });
        Assert.Equal(HttpStatusCode.Accepted, dsr.StatusCode);
        var dsrId = (await dsr.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).Id();
        await ExpectAsync(anonymous.PostAsJsonAsync($"/api/lgpd/requests/{dsrId}/confirm", new { token = email }), HttpStatusCode.Forbidden);
        await ExpectAsync(anonymous.PostAsJsonAsync("/api/lgpd/requests", new { type = name, email = cpf }), HttpStatusCode.BadRequest);
        var post = await CreatePostAsync(author, $"Case of {name}, CPF {cpf}, contact {email}.");
        await ExpectAsync(author.PostAsJsonAsync($"/api/posts/{post.Id()}/patient-consents", new { patientName = name, cpf, birthDate = "1980-01-01", scope = "image_use" }), HttpStatusCode.Created);
        await ExpectAsync(author.PostAsJsonAsync($"/api/posts/{post.Id()}/patient-consents", new { patientName = name, cpf = cpf[..10] + "X", birthDate = name, scope = email }), HttpStatusCode.BadRequest);
        await ExpectAsync(author.PostAsync($"/api/posts/{post.Id()}/submit", null), HttpStatusCode.Accepted);
        await ExpectAsync(anonymous.PostAsJsonAsync(TestUsers.LoginPath, new { email, password = cpf }), HttpStatusCode.Unauthorized);
        await ExpectAsync(anonymous.GetAsync($"/api/posts/{Uri.EscapeDataString(email)}"), HttpStatusCode.NotFound);
        await ExpectAsync(anonymous.GetAsync($"/api/posts?page={Uri.EscapeDataString(cpf)}"), HttpStatusCode.BadRequest);
        await WaitForStatusAsync(author, post.Id(), "approved", "changes_requested");

        foreach (var service in AppHostFixture.ServiceNames)
        {
            var exposition = await ScrapeAsync(fixture, service, fresh: true);
            foreach (var secret in secrets)
            {
                Assert.False(exposition.Contains(secret, StringComparison.OrdinalIgnoreCase), $"{service} /metrics carries personal data");
            }
        }

        var logs = await ApiLogsAsync();
        Assert.Contains(logs, l => l.Contains("Database schema is up to date", StringComparison.Ordinal));
        foreach (var secret in secrets)
        {
            var leaking = logs.FirstOrDefault(l => l.Contains(secret, StringComparison.OrdinalIgnoreCase));
            Assert.True(leaking is null, $"The api logged personal data: {leaking?.Replace(secret, "<redacted>", StringComparison.OrdinalIgnoreCase)}");
        }
    }

    private async Task<List<string>> ApiLogsAsync()
    {
        var loggers = fixture.App.Services.GetRequiredService<ResourceLoggerService>();
        var api = fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == "api");
        var lines = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await foreach (var batch in loggers.GetAllAsync(api).WithCancellation(timeout.Token))
            {
                lines.AddRange(batch.Select(l => l.Content));
            }
        }
        catch (OperationCanceledException)
        {
            // GetAllAsync drains the backlog; if it keeps the stream open, what was read is the backlog.
        }

        return lines;
    }

    private static async Task ExpectAsync(Task<HttpResponseMessage> call, HttpStatusCode expected)
    {
        using var response = await call;
        Assert.True(expected == response.StatusCode, $"{response.RequestMessage?.Method} answered {(int)response.StatusCode}, expected {(int)expected}");
    }
}
