using System.Buffers.Binary;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace HealthcareCms.Bench.Scenarios;

/// <summary>
/// Sets up a real PHI reader through the Api's public endpoints: the seeded admin creates a physician, the
/// physician enrols and verifies TOTP, logs in with a code (an MFA session, PHI-capable), writes a post and
/// records a patient consent on it. The load then reads that consent with the physician's access token.
/// </summary>
public sealed record PhiSession(string AccessToken, string ConsentPath)
{
    public static readonly string[] RequiredRoutes =
    [
        "/api/auth/login", "/api/auth/mfa/enroll", "/api/auth/mfa/verify", "/api/users", "/api/posts",
        "/api/posts/{id}/patient-consents", "/api/patient-consents/{id}",
    ];

    public static async Task<PhiSession> CreateAsync(HttpClient http, string apiUrl, string adminEmail, string adminPassword)
    {
        var admin = await LoginAsync(http, apiUrl, adminEmail, adminPassword, totp: null);
        var email = $"bench-physician-{Guid.NewGuid():N}@bench.healthcare-cms.local";
        var password = StrongPassword();
        await SendAsync(http, HttpMethod.Post, apiUrl + "/api/users", admin, new
        {
            email,
            password,
            displayName = "Dra. Benchmark",
            role = "physician",
            crm = "123456",
            uf = "SP",
            specialty = "Cardiologia",
        });

        var physician = await LoginAsync(http, apiUrl, email, password, totp: null);
        var enrollment = await SendAsync(http, HttpMethod.Post, apiUrl + "/api/auth/mfa/enroll", physician, null);
        var secret = Base32Decode(enrollment.GetProperty("secret").GetString()!);
        var step = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30;
        await SendAsync(http, HttpMethod.Post, apiUrl + "/api/auth/mfa/verify", physician, new { code = TotpCode(secret, step) });
        // A code is accepted once: log in with the next step's (one step of drift is allowed).
        var mfa = await LoginAsync(http, apiUrl, email, password, TotpCode(secret, step + 1));

        var post = await SendAsync(http, HttpMethod.Post, apiUrl + "/api/posts", mfa, new
        {
            title = "Relato de caso: hidratação em idosos",
            body = "Paciente idosa com desidratação leve; orientações de ingestão hídrica. Conteúdo de benchmark.",
            medicalCategory = "general",
        });
        var postId = post.GetProperty("id").GetString();
        var consent = await SendAsync(http, HttpMethod.Post, $"{apiUrl}/api/posts/{postId}/patient-consents", mfa, new
        {
            patientName = "Maria Benchmark",
            cpf = "52998224725",
            birthDate = "1950-05-10",
            scope = "case_report",
        });
        return new PhiSession(mfa, $"/api/patient-consents/{consent.GetProperty("id").GetString()}");
    }

    public static string StrongPassword() =>
        "Bench-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('/', 'x').Replace('+', 'y') + "-9a";

    private static async Task<string> LoginAsync(HttpClient http, string apiUrl, string email, string password, string? totp)
    {
        var tokens = await SendAsync(http, HttpMethod.Post, apiUrl + "/api/auth/login", null, new { email, password, totp });
        return tokens.GetProperty("accessToken").GetString()!;
    }

    private static async Task<JsonElement> SendAsync(HttpClient http, HttpMethod method, string url, string? token, object? body)
    {
        using var request = new HttpRequestMessage(method, url);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {new Uri(url).AbsolutePath} answered {(int)response.StatusCode}: {text}");
        }

        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>RFC 6238 TOTP: HMAC-SHA-1, 6 digits, 30 s steps.</summary>
    public static string TotpCode(byte[] secret, long step)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        var hash = HMACSHA1.HashData(secret, counter);
        var offset = hash[^1] & 0x0F;
        var value = (BinaryPrimitives.ReadInt32BigEndian(hash.AsSpan(offset, 4)) & 0x7FFFFFFF) % 1_000_000;
        return value.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>RFC 4648 base32 without padding.</summary>
    public static byte[] Base32Decode(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var output = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in text.TrimEnd('=').ToUpperInvariant())
        {
            buffer = (buffer << 5) | alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                output.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        return output.ToArray();
    }
}
