using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace HealthcareCms.Api.Identity;

/// <summary>
/// PBKDF2-HMAC-SHA512 (OWASP 2023: ≥ 210,000 iterations), 128-bit per-user salt, 512-bit output,
/// constant-time comparison. Stored as <c>pbkdf2-sha512$iterations$salt$hash</c> (base64), so the
/// iteration count can be raised later without invalidating existing hashes.
/// </summary>
public sealed class PasswordHasher
{
    public const string Algorithm = "pbkdf2-sha512";
    public const int Iterations = 210_000;
    public const int SaltBytes = 16;
    public const int HashBytes = 64;
    public static readonly HashAlgorithmName Prf = HashAlgorithmName.SHA512;

    /// <summary>A hash of a random password, verified for unknown emails so they take as long as known ones.</summary>
    private readonly Lazy<string> _dummyHash;

    public PasswordHasher()
    {
        _dummyHash = new Lazy<string>(() => Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
    }

    public string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, Iterations);
        return string.Join('$', Algorithm, Iterations.ToString(CultureInfo.InvariantCulture),
            Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    public bool Verify(string password, string stored)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Algorithm
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1)
        {
            return false;
        }

        var salt = Convert.FromBase64String(parts[2]);
        var expected = Convert.FromBase64String(parts[3]);
        var actual = Derive(password, salt, iterations);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>Burns the same work as <see cref="Verify"/> and always fails (unknown account).</summary>
    public bool VerifyDummy(string password)
    {
        Verify(password, _dummyHash.Value);
        return false;
    }

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, Prf, HashBytes);
}
