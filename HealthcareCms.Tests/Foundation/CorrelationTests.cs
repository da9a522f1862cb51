using System.Text.Json;
using HealthcareCms.ServiceDefaults.Correlation;
using HealthcareCms.Tests.Infrastructure;

namespace HealthcareCms.Tests.Foundation;

[Collection(AppHostCollection.Name)]
public sealed class CorrelationTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Request_id_and_healthcare_trace_id_flow_from_api_to_policy_and_workflows()
    {
        using var client = fixture.CreateClient("api");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        request.Headers.Add(RequestCorrelation.RequestIdHeader, "it-req.42_A");
        request.Headers.Add(RequestCorrelation.HealthcareTraceHeader, "hc-trace-7");
        request.Headers.Add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

        using var response = await client.SendAsync(request);
        var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal("it-req.42_A", response.Headers.GetValues(RequestCorrelation.RequestIdHeader).Single());
        foreach (var dependency in status.GetProperty("dependencies").EnumerateArray()
                     .Where(d => d.GetProperty("name").GetString() is "policy" or "workflows"))
        {
            var correlation = dependency.GetProperty("correlation");
            Assert.Equal("it-req.42_A", correlation.GetProperty("requestId").GetString());
            Assert.Equal("hc-trace-7", correlation.GetProperty("healthcareTraceId").GetString());
            Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", correlation.GetProperty("traceId").GetString());
        }
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("patient@example.com")]
    [InlineData("123.456.789-09")]
    [InlineData("")]
    public async Task Invalid_request_ids_are_replaced(string given)
    {
        using var client = fixture.CreateClient("policy");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/status");
        request.Headers.TryAddWithoutValidation(RequestCorrelation.RequestIdHeader, given);

        using var response = await client.SendAsync(request);
        var echoed = response.Headers.GetValues(RequestCorrelation.RequestIdHeader).Single();

        Assert.NotEqual(given, echoed);
        Assert.True(RequestCorrelation.IsValid(echoed));
    }

    [Fact]
    public async Task Every_response_carries_a_request_id_even_errors()
    {
        using var client = fixture.CreateClient("api");
        using var response = await client.GetAsync("/api/posts?page=0");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(RequestCorrelation.IsValid(response.Headers.GetValues(RequestCorrelation.RequestIdHeader).Single()));
    }
}

public sealed class RequestIdRuleTests
{
    [Theory]
    [InlineData("a1", true)]
    [InlineData("a", false)] // letters only: could be a name
    [InlineData("maria.silva", false)]
    [InlineData("A-b_c.9", true)]
    [InlineData("has space", false)]
    [InlineData("semi;colon", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("12345678909", false)] // a CPF
    [InlineData("123.456.789-09", false)] // a formatted CPF
    [InlineData("898001160789013", false)] // a CNS
    [InlineData("11-91234-5678", false)] // a phone number
    [InlineData("1234567", true)] // short numbers are counters, not documents
    [InlineData("cpf-529.982.247-25", false)] // a CPF inside an id
    [InlineData("cns898001160789013x", false)]
    [InlineData("req-2026a11b24-0123", true)] // no 8 digits in a row
    [InlineData("0f8fad5bd9cb469fa16570867728950e", true)] // a generated id: hex, long digit runs allowed
    [InlineData("0f8fad5b-d9cb-469f-a165-70867728950e", true)] // a UUID
    public void Request_ids_are_1_to_200_safe_characters(string? value, bool valid) =>
        Assert.Equal(valid, RequestCorrelation.IsValid(value));

    [Fact]
    public void Request_ids_longer_than_200_characters_are_invalid()
    {
        Assert.True(RequestCorrelation.IsValid(new string('a', 199) + "1"));
        Assert.False(RequestCorrelation.IsValid(new string('a', 200) + "1"));
    }
}
