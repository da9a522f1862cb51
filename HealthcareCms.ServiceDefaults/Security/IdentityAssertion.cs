using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace HealthcareCms.ServiceDefaults.Security;

/// <summary>
/// The caller identity the gateway (the Api) asserts to an internal service (CONTRACTS §5): role, subject
/// and expiry, signed with HMAC-SHA256 under the AppHost's <c>internal-signing-key</c> parameter. Header
/// value: <c>v1.{base64url(role)}.{base64url(subject)}.{expiry unix s}.{base64url(hmac)}</c>, the MAC taken
/// over <c>v1\n{role}\n{subject}\n{expiry}</c>. The gateway strips every incoming header of the
/// <see cref="HeaderPrefix"/> family before it adds its own, so a client cannot forge one.
/// </summary>
public static class IdentityAssertion
{
    public const string HeaderName = "x-healthcare-identity";

    /// <summary>Every header whose name starts with this is removed from client requests by the gateway.</summary>
    public const string HeaderPrefix = "x-healthcare-identity";

    /// <summary>Configuration key of the signing key (environment <c>InternalIdentity__SigningKey</c>).</summary>
    public const string SigningKeyConfigurationKey = "InternalIdentity:SigningKey";

    /// <summary>How long an assertion is valid; a verifier rejects any whose expiry lies further ahead.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    public const int MinimumKeyLength = 32;

    private const string Version = "v1";

    /// <summary>The signing key from configuration, as bytes; throws when it is missing or too short.</summary>
    public static byte[] ReadKey(IConfiguration configuration)
    {
        var key = configuration[SigningKeyConfigurationKey];
        if (string.IsNullOrEmpty(key) || key.Length < MinimumKeyLength)
        {
            throw new InvalidOperationException(
                $"'{SigningKeyConfigurationKey}' must be set to at least {MinimumKeyLength} characters (AppHost parameter internal-signing-key).");
        }

        return Encoding.UTF8.GetBytes(key);
    }

    public static string Create(ReadOnlySpan<byte> key, string role, string subject, DateTimeOffset expires)
    {
        var expiry = expires.ToUnixTimeSeconds();
        var mac = Sign(key, role, subject, expiry);
        return string.Join('.', Version, Base64Url.EncodeToString(Encoding.UTF8.GetBytes(role)),
            Base64Url.EncodeToString(Encoding.UTF8.GetBytes(subject)), expiry.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Base64Url.EncodeToString(mac));
    }

    /// <summary>Verifies signature and expiry. On failure <paramref name="failure"/> is a short code:
    /// <c>missing</c>, <c>malformed</c>, <c>bad_signature</c>, <c>expired</c>.</summary>
    public static bool TryVerify(ReadOnlySpan<byte> key, string? value, DateTimeOffset now, out AssertedIdentity identity, out string failure)
    {
        identity = default;
        if (string.IsNullOrEmpty(value))
        {
            failure = "missing";
            return false;
        }

        var parts = value.Split('.');
        if (parts.Length != 5 || parts[0] != Version || !long.TryParse(parts[3], out var expiry)
            || !TryDecode(parts[1], out var role) || !TryDecode(parts[2], out var subject)
            || !Base64Url.IsValid(parts[4]))
        {
            failure = "malformed";
            return false;
        }

        var expected = Sign(key, role, subject, expiry);
        if (!CryptographicOperations.FixedTimeEquals(expected, Base64Url.DecodeFromChars(parts[4])))
        {
            failure = "bad_signature";
            return false;
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(expiry);
        if (expiresAt <= now || expiresAt > now + Lifetime + TimeSpan.FromSeconds(5))
        {
            failure = "expired";
            return false;
        }

        identity = new AssertedIdentity(role, subject, expiresAt);
        failure = "";
        return true;
    }

    private static byte[] Sign(ReadOnlySpan<byte> key, string role, string subject, long expiry) =>
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{Version}\n{role}\n{subject}\n{expiry}"));

    private static bool TryDecode(string part, out string text)
    {
        text = "";
        if (part.Length == 0 || !Base64Url.IsValid(part))
        {
            return false;
        }

        text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(part));
        return true;
    }
}

public readonly record struct AssertedIdentity(string Role, string Subject, DateTimeOffset ExpiresAt);
