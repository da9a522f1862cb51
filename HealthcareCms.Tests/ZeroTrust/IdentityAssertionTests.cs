using System.Security.Claims;
using System.Text;
using HealthcareCms.Api.Gateway;
using HealthcareCms.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http;

namespace HealthcareCms.Tests.ZeroTrust;

public sealed class IdentityAssertionTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("test-internal-signing-key-0123456789abcdef");
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 14, 0, 0, TimeSpan.Zero);

    /// <summary>A service that verifies assertions refuses to start without a usable key; a one-shot run that
    /// never starts the host (the worker's migration Job) does not need one.</summary>
    [Theory]
    [InlineData(null, false)]
    [InlineData("too-short", false)]
    [InlineData("a-signing-key-of-more-than-thirty-two-characters", true)]
    public async Task A_verifying_service_starts_only_with_a_usable_signing_key(string? key, bool starts)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration[IdentityAssertion.SigningKeyConfigurationKey] = key;
        builder.Services.AddInternalIdentityKey();
        using var host = builder.Build();

        var error = await Record.ExceptionAsync(() => host.StartAsync());

        Assert.Equal(starts, error is null);
        if (!starts)
        {
            Assert.Contains("InternalIdentity:SigningKey", error!.Message);
        }
        else
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void A_signed_assertion_verifies_and_carries_role_and_subject()
    {
        var header = IdentityAssertion.Create(Key, "admin", "user-1", Now.AddSeconds(30));

        Assert.True(IdentityAssertion.TryVerify(Key, header, Now, out var identity, out _));
        Assert.Equal(("admin", "user-1"), (identity.Role, identity.Subject));
    }

    public static TheoryData<string, string?, string> Rejected()
    {
        var valid = IdentityAssertion.Create(Key, "editor", "user-1", Now.AddSeconds(30));
        var parts = valid.Split('.');
        var asAdmin = string.Join('.', parts[0], Convert.ToBase64String(Encoding.UTF8.GetBytes("admin")).TrimEnd('='), parts[2], parts[3], parts[4]);
        var later = string.Join('.', parts[0], parts[1], parts[2], (long.Parse(parts[3]) + 3600).ToString(), parts[4]);
        var otherKey = IdentityAssertion.Create(Encoding.UTF8.GetBytes("another-key-another-key-another-key!!"), "admin", "user-1", Now.AddSeconds(30));
        return new()
        {
            { "missing", null, "missing" },
            { "garbage", "admin", "malformed" },
            { "role changed to admin", asAdmin, "bad_signature" },
            { "expiry pushed back", later, "bad_signature" },
            { "signed with another key", otherKey, "bad_signature" },
            { "expired", IdentityAssertion.Create(Key, "admin", "user-1", Now.AddSeconds(-1)), "expired" },
            { "valid for too long", IdentityAssertion.Create(Key, "admin", "user-1", Now.AddHours(1)), "expired" },
        };
    }

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Forged_tampered_or_expired_assertions_are_rejected(string what, string? header, string failure)
    {
        Assert.False(IdentityAssertion.TryVerify(Key, header, Now, out _, out var actual), what);
        Assert.Equal(failure, actual);
    }

    [Fact]
    public void Gateway_strips_client_identity_headers_and_credentials_and_reissues_a_signed_assertion()
    {
        var signer = new GatewayIdentitySigner(Key, new FixedTime(Now));
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "user-7"), new Claim("role", "admin")], "Bearer"));
        using var proxied = new HttpRequestMessage(HttpMethod.Post, "http://policy/v1/decisions/simulate")
        {
            Content = new StringContent("{}"),
        };
        proxied.Headers.TryAddWithoutValidation("x-healthcare-identity", IdentityAssertion.Create(Key, "admin", "forged", Now.AddSeconds(30)));
        proxied.Headers.TryAddWithoutValidation("X-Healthcare-Identity-Role", "admin");
        proxied.Content.Headers.TryAddWithoutValidation("x-healthcare-identity-subject", "someone");
        proxied.Headers.TryAddWithoutValidation("Authorization", "Bearer client-token");
        proxied.Headers.TryAddWithoutValidation("Cookie", "session=1");
        proxied.Headers.TryAddWithoutValidation("x-request-id", "kept");

        GatewayIdentity.Apply(user, proxied, signer);

        var identityHeaders = proxied.Headers.Concat(proxied.Content.Headers)
            .Where(h => h.Key.StartsWith("x-healthcare-identity", StringComparison.OrdinalIgnoreCase)).ToArray();
        var header = Assert.Single(identityHeaders);
        Assert.True(IdentityAssertion.TryVerify(Key, Assert.Single(header.Value), Now, out var identity, out _));
        Assert.Equal(("admin", "user-7"), (identity.Role, identity.Subject));
        Assert.False(proxied.Headers.Contains("Authorization"));
        Assert.False(proxied.Headers.Contains("Cookie"));
        Assert.True(proxied.Headers.Contains("x-request-id"));
    }

    [Fact]
    public void Gateway_forwards_no_identity_for_an_anonymous_caller_and_strips_incoming_headers()
    {
        var signer = new GatewayIdentitySigner(Key, new FixedTime(Now));
        using var proxied = new HttpRequestMessage(HttpMethod.Get, "http://workflows/status");
        proxied.Headers.TryAddWithoutValidation("x-healthcare-identity", "v1.forged");
        var incoming = new DefaultHttpContext().Request;
        incoming.Headers["x-healthcare-identity"] = "v1.forged";
        incoming.Headers["x-healthcare-identity-role"] = "admin";
        incoming.Headers["x-device-id"] = "kept";

        GatewayIdentity.Apply(new ClaimsPrincipal(new ClaimsIdentity()), proxied, signer);
        GatewayIdentity.StripIncoming(incoming);

        Assert.DoesNotContain(proxied.Headers, h => h.Key.StartsWith("x-healthcare-identity", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(["x-device-id"], incoming.Headers.Keys);
    }
}
