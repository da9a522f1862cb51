using System.Text.Json;
using System.Text.RegularExpressions;
using HealthcareCms.Tests.Infrastructure;

namespace HealthcareCms.Tests.Identity;

[Collection(AppHostCollection.Name)]
public sealed partial class ApiReferenceTests(AppHostFixture fixture)
{
    [Fact]
    public async Task The_openapi_document_lists_the_identity_routes_and_the_bearer_scheme_where_needed()
    {
        using var client = fixture.CreateClient("api");

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/api/auth/login", "/api/auth/refresh", "/api/auth/logout", "/api/auth/mfa/enroll", "/api/auth/mfa/verify", "/api/me", "/api/users" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }

        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString());
        Assert.True(paths.GetProperty("/api/me").GetProperty("get").TryGetProperty("security", out _));
        Assert.False(paths.GetProperty("/api/auth/login").GetProperty("post").TryGetProperty("security", out _));
    }

    [Fact]
    public async Task The_development_api_reference_is_served_without_loading_anything_external()
    {
        using var client = fixture.CreateClient("api");

        using var page = await client.GetAsync("/scalar");
        page.EnsureSuccessStatusCode();
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotMatch(ExternalUrl(), html);
        var script = ScriptSource().Match(html);
        Assert.True(script.Success, html);
        using var bundle = await client.GetAsync(new Uri(page.RequestMessage!.RequestUri!, script.Groups["src"].Value));
        Assert.Equal(HttpStatusCode.OK, bundle.StatusCode);
        Assert.Contains("script-src 'self'", Assert.Single(page.Headers.GetValues("Content-Security-Policy")));
    }

    [GeneratedRegex("(src|href)=\"https?://")]
    private static partial Regex ExternalUrl();

    [GeneratedRegex("<script[^>]*src=\"(?<src>[^\"]+)\"")]
    private static partial Regex ScriptSource();
}
