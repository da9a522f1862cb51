using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HealthcareCms.ServiceDefaults.Security;
using HealthcareCms.Tests.Infrastructure;

namespace HealthcareCms.Tests.ZeroTrust;

/// <summary>
/// The workflow worker's status routes, called directly (as anything on the internal network could), admit
/// only the gateway's signed assertion for the routes' roles; through the gateway they work, and the Api's
/// own status check is admitted under its service identity.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class InternalServiceAssertionTests(AppHostFixture fixture)
{
    public static TheoryData<string, string?, int> Cases()
    {
        var data = new TheoryData<string, string?, int>();
        foreach (var path in new[] { "/status", "/jobs/dead-letters" })
        {
            data.Add(path, null, 401);
            data.Add(path, "forged", 401);
            data.Add(path, "expired", 401);
            data.Add(path, "garbage", 401);
            data.Add(path, "physician", 403);
            data.Add(path, "reader", 403);
            data.Add(path, "editor", 200);
            data.Add(path, "admin", 200);
        }

        // The Api's service identity may read the status (its /api/status check), not the dead letters.
        data.Add("/status", "service", 200);
        data.Add("/jobs/dead-letters", "service", 403);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Worker_routes_need_a_valid_assertion_for_their_roles(string path, string? caller, int expected)
    {
        var key = Encoding.UTF8.GetBytes(await TestUsers.ParameterAsync(fixture, "internal-signing-key"));
        var now = DateTimeOffset.UtcNow;
        var header = caller switch
        {
            null => null,
            "forged" => IdentityAssertion.Create(Encoding.UTF8.GetBytes("forged-forged-forged-forged-forged-forged"), "admin", "x", now.AddSeconds(30)),
            "expired" => IdentityAssertion.Create(key, "admin", "x", now.AddSeconds(-5)),
            "garbage" => "v1.admin.x.1.AAAA",
            _ => IdentityAssertion.Create(key, caller, "x", now.AddSeconds(30)),
        };

        using var workflows = fixture.CreateClient("workflows");
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (header is not null)
        {
            request.Headers.Add(IdentityAssertion.HeaderName, header);
        }

        // A client-chosen role header is never an identity.
        request.Headers.Add("x-healthcare-identity-role", "admin");
        using var response = await workflows.SendAsync(request);

        Assert.Equal(expected, (int)response.StatusCode);
        if (expected != 200)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(expected, problem.GetProperty("status").GetInt32());
        }
    }

    [Fact]
    public async Task The_api_status_check_reaches_the_worker_under_its_service_identity()
    {
        using var api = fixture.CreateClient("api");
        var status = await api.GetFromJsonAsync<JsonElement>("/api/status");

        var workflows = status.GetProperty("dependencies").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "workflows");
        Assert.Equal("ok", workflows.GetProperty("status").GetString());
    }
}
