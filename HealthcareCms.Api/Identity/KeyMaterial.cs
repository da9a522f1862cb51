using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace HealthcareCms.Api.Identity;

/// <summary>
/// Keys derived from the <c>jwt-signing-key</c> secret with HKDF-SHA256, one label per purpose, so any
/// generated string of 32+ characters works and no key is used for two purposes.
/// </summary>
public sealed class KeyMaterial
{
    public KeyMaterial(IOptions<IdentitySettings> settings)
        : this(settings.Value.Jwt.SigningKey)
    {
    }

    public KeyMaterial(string secret)
    {
        if (secret.Length < 32)
        {
            throw new InvalidOperationException("Identity:Jwt:SigningKey must be at least 32 characters.");
        }

        var ikm = Encoding.UTF8.GetBytes(secret);
        SigningKey = new SymmetricSecurityKey(HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 32, info: "healthcare-cms/jwt-hs256"u8.ToArray()))
        {
            KeyId = "hcms-1",
        };
        MfaEncryptionKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 32, info: "healthcare-cms/mfa-secret-aes-gcm"u8.ToArray());
    }

    public SymmetricSecurityKey SigningKey { get; }

    public byte[] MfaEncryptionKey { get; }
}
