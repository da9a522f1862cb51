using System.Security.Cryptography;
using System.Text;

namespace HealthcareCms.Api.Phi;

public sealed class PhiEncryptionOptions
{
    public const string SectionName = "Phi:Encryption";

    /// <summary>The key id new values are encrypted with.</summary>
    public string ActiveKeyId { get; set; } = "k1";

    /// <summary>Key id → secret (at least 32 characters). Old ids stay configured until their rows are re-encrypted.</summary>
    public Dictionary<string, string> Keys { get; set; } = [];
}

/// <summary>A PHI value encrypted at rest: the key id is stored with the ciphertext so keys can rotate.</summary>
public sealed record ProtectedValue(string KeyId, byte[] Ciphertext);

/// <summary>
/// Column-level encryption of PHI: AES-256-GCM, a fresh 96-bit nonce per value, the row id and column name
/// as associated data (a ciphertext copied into another row or column does not decrypt). Stored layout:
/// <c>nonce (12) || tag (16) || ciphertext</c>. Keys are derived from the configured secrets with HKDF-SHA256.
/// </summary>
public sealed class PhiProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] KeyInfo = "healthcare-cms/phi/aes-256-gcm/v1"u8.ToArray();

    private readonly string _activeKeyId;
    private readonly Dictionary<string, byte[]> _keys;

    public PhiProtector(PhiEncryptionOptions options)
    {
        _keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (id, secret) in options.Keys)
        {
            if (string.IsNullOrEmpty(secret) || secret.Length < 32)
            {
                throw new InvalidOperationException($"PHI encryption key '{id}' must be at least 32 characters.");
            }

            _keys[id] = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret), 32, salt: [], info: KeyInfo);
        }

        if (!_keys.ContainsKey(options.ActiveKeyId))
        {
            throw new InvalidOperationException(
                $"The active PHI encryption key '{options.ActiveKeyId}' is not configured ({PhiEncryptionOptions.SectionName}:Keys).");
        }

        _activeKeyId = options.ActiveKeyId;
    }

    public string ActiveKeyId => _activeKeyId;

    public byte[] Encrypt(string plaintext, Guid rowId, string column)
    {
        var input = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + TagSize + input.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_keys[_activeKeyId], TagSize);
        aes.Encrypt(nonce, input, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize), AssociatedData(rowId, column));
        return output;
    }

    public string Decrypt(string keyId, byte[] stored, Guid rowId, string column)
    {
        if (!_keys.TryGetValue(keyId, out var key))
        {
            throw new CryptographicException($"PHI key '{keyId}' is not configured.");
        }

        var plaintext = new byte[stored.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(stored.AsSpan(0, NonceSize), stored.AsSpan(NonceSize + TagSize), stored.AsSpan(NonceSize, TagSize),
            plaintext, AssociatedData(rowId, column));
        return Encoding.UTF8.GetString(plaintext);
    }

    private static byte[] AssociatedData(Guid rowId, string column) => Encoding.UTF8.GetBytes($"{rowId:D}/{column}");
}
