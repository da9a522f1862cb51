using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace HealthcareCms.Api.Identity;

/// <summary>RFC 6238 TOTP (HMAC-SHA-1, 6 digits, 30 s steps), accepting one step either side.</summary>
public static class Totp
{
    public const int Digits = 6;
    public const int StepSeconds = 30;
    public const int AllowedDrift = 1;
    public const int SecretBytes = 20;

    public static long StepAt(DateTimeOffset time) => time.ToUnixTimeSeconds() / StepSeconds;

    /// <summary>The code for a time step (RFC 4226 dynamic truncation), <paramref name="digits"/> long.</summary>
    public static string Code(byte[] secret, long step, int digits = Digits, HashAlgorithmName? algorithm = null)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        var hash = (algorithm ?? HashAlgorithmName.SHA1).Name switch
        {
            "SHA256" => HMACSHA256.HashData(secret, counter),
            "SHA512" => HMACSHA512.HashData(secret, counter),
            _ => HMACSHA1.HashData(secret, counter),
        };
        var offset = hash[^1] & 0x0F;
        var binary = (BinaryPrimitives.ReadInt32BigEndian(hash.AsSpan(offset, 4)) & 0x7FFFFFFF) % (int)Math.Pow(10, digits);
        return binary.ToString(new string('0', digits), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The step whose code matches, within ±<see cref="AllowedDrift"/> steps of now and after
    /// <paramref name="lastUsedStep"/> (a code is never accepted twice); null when none does.
    /// </summary>
    public static long? Verify(byte[] secret, string? code, DateTimeOffset now, long? lastUsedStep)
    {
        if (code is null || code.Length != Digits || !code.All(char.IsAsciiDigit))
        {
            return null;
        }

        var current = StepAt(now);
        long? matched = null;
        for (var step = current - AllowedDrift; step <= current + AllowedDrift; step++)
        {
            // Every candidate is computed and compared in fixed time, whatever matched before.
            var candidate = Encoding.ASCII.GetBytes(Code(secret, step));
            if (CryptographicOperations.FixedTimeEquals(candidate, Encoding.ASCII.GetBytes(code)) && step > (lastUsedStep ?? long.MinValue))
            {
                matched ??= step;
            }
        }

        return matched;
    }

    public static string OtpAuthUri(string base32Secret, string accountName) =>
        $"otpauth://totp/{Uri.EscapeDataString("Healthcare CMS")}:{Uri.EscapeDataString(accountName)}" +
        $"?secret={base32Secret}&issuer={Uri.EscapeDataString("Healthcare CMS")}&algorithm=SHA1&digits={Digits}&period={StepSeconds}";
}

/// <summary>RFC 4648 base32 (upper case, no padding), the encoding authenticator apps expect.</summary>
public static class Base32
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static string Encode(ReadOnlySpan<byte> data)
    {
        var output = new StringBuilder((data.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                output.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            output.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return output.ToString();
    }

    public static byte[] Decode(string text)
    {
        var clean = text.TrimEnd('=').Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        var output = new List<byte>(clean.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var c in clean)
        {
            var value = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (value < 0)
            {
                throw new FormatException("Not a base32 string.");
            }

            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                output.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        return [.. output];
    }
}

/// <summary>Encrypts TOTP secrets at rest (AES-256-GCM, random nonce, the user id as associated data).</summary>
public sealed class MfaSecretProtector(KeyMaterial keys)
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    public byte[] Protect(byte[] secret, Guid userId)
    {
        var output = new byte[NonceBytes + secret.Length + TagBytes];
        var nonce = output.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(keys.MfaEncryptionKey, TagBytes);
        aes.Encrypt(nonce, secret, output.AsSpan(NonceBytes, secret.Length), output.AsSpan(NonceBytes + secret.Length), userId.ToByteArray());
        return output;
    }

    public byte[] Unprotect(byte[] protectedSecret, Guid userId)
    {
        var length = protectedSecret.Length - NonceBytes - TagBytes;
        var secret = new byte[length];
        using var aes = new AesGcm(keys.MfaEncryptionKey, TagBytes);
        aes.Decrypt(protectedSecret.AsSpan(0, NonceBytes), protectedSecret.AsSpan(NonceBytes, length),
            protectedSecret.AsSpan(NonceBytes + length), secret, userId.ToByteArray());
        return secret;
    }
}
