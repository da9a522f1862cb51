using System.Security.Cryptography;
using System.Text;
using HealthcareCms.Api.Identity;

namespace HealthcareCms.Tests.Identity;

public sealed class PasswordHasherTests
{
    private readonly PasswordHasher _hasher = new();

    [Fact]
    public void Hashes_with_pbkdf2_hmac_sha512_at_least_210000_iterations_and_a_128_bit_salt()
    {
        var stored = _hasher.Hash("correct horse battery staple");

        var parts = stored.Split('$');
        Assert.Equal(4, parts.Length);
        Assert.Equal("pbkdf2-sha512", parts[0]);
        Assert.True(int.Parse(parts[1]) >= 210_000);
        Assert.Equal(16, Convert.FromBase64String(parts[2]).Length);
        Assert.Equal(64, Convert.FromBase64String(parts[3]).Length);
        Assert.Equal(HashAlgorithmName.SHA512, PasswordHasher.Prf);

        // Independently recomputed with the framework's PBKDF2: the stored hash is exactly that.
        var expected = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes("correct horse battery staple"),
            Convert.FromBase64String(parts[2]), int.Parse(parts[1]), HashAlgorithmName.SHA512, 64);
        Assert.Equal(expected, Convert.FromBase64String(parts[3]));
    }

    [Fact]
    public void Every_hash_has_its_own_salt()
    {
        var first = _hasher.Hash("same password here");
        var second = _hasher.Hash("same password here");

        Assert.NotEqual(first.Split('$')[2], second.Split('$')[2]);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Verifies_the_right_password_only()
    {
        var stored = _hasher.Hash("Ünïcødé pässwörd 🔐");

        Assert.True(_hasher.Verify("Ünïcødé pässwörd 🔐", stored));
        Assert.False(_hasher.Verify("Ünïcødé pässwörd 🔑", stored));
        Assert.False(_hasher.Verify("", stored));
        Assert.False(_hasher.Verify("Ünïcødé pässwörd 🔐", "md5$1$AAAA$AAAA"));
        Assert.False(_hasher.VerifyDummy("anything at all"));
    }
}

public sealed class PasswordPolicyTests
{
    private readonly PasswordPolicy _policy = new();

    [Theory]
    [InlineData(7, false)]
    [InlineData(8, true)]
    [InlineData(128, true)]
    [InlineData(129, false)]
    public void Accepts_8_to_128_characters_without_composition_rules(int length, bool accepted)
    {
        var password = string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + (i * 7 % 26))));

        Assert.Equal(accepted, _policy.Check(password) is null);
    }

    [Fact]
    public void Counts_characters_not_utf16_units()
    {
        Assert.Null(_policy.Check("🔐🔐🔐🔐🔐🔐🔐🔐"));
        Assert.NotNull(_policy.Check("🔐🔐🔐🔐🔐🔐🔐"));
    }

    [Theory]
    [InlineData("password123")]
    [InlineData("PASSWORD123")]
    [InlineData("qwertyuiop")]
    [InlineData("senha123")]
    [InlineData("iloveyou")]
    public void Rejects_common_passwords_case_insensitively(string password) =>
        Assert.Contains("common", _policy.Check(password));

    [Fact]
    public void The_bundled_list_holds_hundreds_of_passwords() =>
        Assert.True(PasswordPolicy.CommonPasswordCount >= 500, $"{PasswordPolicy.CommonPasswordCount} passwords");

    [Fact]
    public void Rejects_the_account_email_as_password() =>
        Assert.NotNull(_policy.Check("Someone@Example.org", "someone@example.org"));

    [Fact]
    public void Rejects_a_missing_password() => Assert.NotNull(_policy.Check(null));
}

public sealed class TotpTests
{
    // RFC 6238 appendix B: the seeds are the ASCII digits repeated to the hash's key length.
    private static readonly byte[] Sha1Seed = Encoding.ASCII.GetBytes("12345678901234567890");
    private static readonly byte[] Sha256Seed = Encoding.ASCII.GetBytes("12345678901234567890123456789012");
    private static readonly byte[] Sha512Seed =
        Encoding.ASCII.GetBytes("1234567890123456789012345678901234567890123456789012345678901234");

    [Theory]
    [InlineData(59L, "94287082", "46119246", "90693936")]
    [InlineData(1111111109L, "07081804", "68084774", "25091201")]
    [InlineData(1111111111L, "14050471", "67062674", "99943326")]
    [InlineData(1234567890L, "89005924", "91819424", "93441116")]
    [InlineData(2000000000L, "69279037", "90698825", "38618901")]
    [InlineData(20000000000L, "65353130", "77737706", "47863826")]
    public void Matches_the_rfc_6238_test_vectors(long unixTime, string sha1, string sha256, string sha512)
    {
        var step = Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(unixTime));

        Assert.Equal(sha1, Totp.Code(Sha1Seed, step, 8));
        Assert.Equal(sha256, Totp.Code(Sha256Seed, step, 8, HashAlgorithmName.SHA256));
        Assert.Equal(sha512, Totp.Code(Sha512Seed, step, 8, HashAlgorithmName.SHA512));
    }

    [Fact]
    public void Six_digit_codes_are_the_last_six_digits_of_the_truncation() =>
        Assert.Equal("287082", Totp.Code(Sha1Seed, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(59))));

    [Theory]
    [InlineData(-1, true)]
    [InlineData(0, true)]
    [InlineData(1, true)]
    [InlineData(-2, false)]
    [InlineData(2, false)]
    public void Accepts_one_step_of_drift_either_side(int offset, bool accepted)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_015);
        var code = Totp.Code(Sha1Seed, Totp.StepAt(now) + offset);

        Assert.Equal(accepted, Totp.Verify(Sha1Seed, code, now, lastUsedStep: null) is not null);
    }

    [Fact]
    public void A_code_is_never_accepted_twice()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_015);
        var code = Totp.Code(Sha1Seed, Totp.StepAt(now));

        var used = Totp.Verify(Sha1Seed, code, now, lastUsedStep: null);

        Assert.Equal(Totp.StepAt(now), used);
        Assert.Null(Totp.Verify(Sha1Seed, code, now, lastUsedStep: used));
        Assert.Null(Totp.Verify(Sha1Seed, Totp.Code(Sha1Seed, used!.Value - 1), now, lastUsedStep: used));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12345a")]
    [InlineData("١٢٣٤٥٦")]
    public void Malformed_codes_are_refused(string? code) =>
        Assert.Null(Totp.Verify(Sha1Seed, code, DateTimeOffset.UtcNow, null));

    [Theory]
    [InlineData("", "")]
    [InlineData("f", "MY")]
    [InlineData("fo", "MZXQ")]
    [InlineData("foo", "MZXW6")]
    [InlineData("foob", "MZXW6YQ")]
    [InlineData("fooba", "MZXW6YTB")]
    [InlineData("foobar", "MZXW6YTBOI")]
    public void Base32_matches_rfc_4648_without_padding(string plain, string encoded)
    {
        Assert.Equal(encoded, Base32.Encode(Encoding.ASCII.GetBytes(plain)));
        Assert.Equal(plain, Encoding.ASCII.GetString(Base32.Decode(encoded)));
    }

    [Fact]
    public void The_otpauth_uri_names_the_algorithm_digits_and_period()
    {
        var uri = Totp.OtpAuthUri("MZXW6YTBOI", "someone@example.org");

        Assert.StartsWith("otpauth://totp/Healthcare%20CMS:someone%40example.org?secret=MZXW6YTBOI", uri);
        Assert.Contains("algorithm=SHA1", uri);
        Assert.Contains("digits=6", uri);
        Assert.Contains("period=30", uri);
    }

    [Fact]
    public void Mfa_secrets_are_encrypted_at_rest_and_bound_to_their_user()
    {
        var protector = new MfaSecretProtector(new KeyMaterial(new string('k', 40)));
        var secret = RandomNumberGenerator.GetBytes(Totp.SecretBytes);
        var user = Guid.NewGuid();

        var sealedSecret = protector.Protect(secret, user);

        Assert.False(sealedSecret.AsSpan().IndexOf(secret) >= 0);
        Assert.Equal(secret, protector.Unprotect(sealedSecret, user));
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(sealedSecret, Guid.NewGuid()));
    }
}
