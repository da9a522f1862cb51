using HealthcareCms.Tests.Infrastructure;

namespace HealthcareCms.Tests.Foundation;

[Collection(AppHostCollection.Name)]
public sealed class ManagementEndpointTests(AppHostFixture fixture)
{
    public static TheoryData<string, string> ServicesAndPaths()
    {
        var data = new TheoryData<string, string>();
        foreach (var service in AppHostFixture.ServiceNames)
        {
            foreach (var path in new[] { "/health", "/alive", "/metrics" })
            {
                data.Add(service, path);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ServicesAndPaths))]
    public async Task Health_and_metrics_are_served_on_the_management_port(string service, string path)
    {
        using var client = fixture.CreateClient(service, "management");
        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(ServicesAndPaths))]
    public async Task Health_and_metrics_are_not_reachable_on_the_public_port(string service, string path)
    {
        using var client = fixture.CreateClient(service);
        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task The_management_port_serves_nothing_else()
    {
        using var client = fixture.CreateClient("api", "management");
        using var response = await client.GetAsync("/api/posts");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Readiness_includes_the_database_and_its_migrations()
    {
        using var client = fixture.CreateClient("api", "management");
        var health = await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/health");

        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        var checks = health.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("CmsDbContext").GetString());
        Assert.Equal("Healthy", checks.GetProperty("database-migrations").GetString());
    }
}
