using System.Buffers.Binary;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace HealthcareCms.Bench.Scenarios;

/// <summary>One physician with an MFA session on a managed device, and the patient consent they own.</summary>
public sealed record PhiReader(string AccessToken, string ConsentPath, string DeviceId)
{
    public const string DeviceIdHeader = "x-device-id";
    public const string DeviceManagedHeader = "x-device-managed";

    public void Authorize(HttpRequestMessage request)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
        request.Headers.Add(DeviceIdHeader, DeviceId);
        request.Headers.Add(DeviceManagedHeader, "true");
    }
}

/// <summary>
/// Sets up real PHI readers through the Api's public endpoints: the seeded admin, after enrolling TOTP as user
/// administration requires (MFA, from the bench's trusted loopback network, on a managed device), creates each
/// physician, who enrols and verifies TOTP, logs in with a code (an MFA session, PHI-capable), writes a post
/// and records a patient consent on it. The zero-trust policy refuses one subject more than 600 requests a minute, so the
/// fixed-rate load is spread over enough physicians to stay a normal per-user rate.
/// </summary>
public static class PhiSession
{
    public static readonly string[] RequiredRoutes =
    [
        "/api/auth/login", "/api/auth/mfa/enroll", "/api/auth/mfa/verify", "/api/users", "/api/posts",
        "/api/posts/{id}/patient-consents", "/api/patient-consents/{id}",
    ];

    public static async Task<IReadOnlyList<PhiReader>> CreateReadersAsync(
        HttpClient http, string apiUrl, int count, string adminEmail, string adminPassword)
    {
        var admin = await MfaLoginAsync(http, apiUrl, adminEmail, adminPassword, "bench-admin-device");
        using var gate = new SemaphoreSlim(2);
        var readers = await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                return await CreateReaderAsync(http, apiUrl, admin, $"bench-device-{i}");
            }
            finally
            {
                gate.Release();
            }
        }));
        return readers;
    }

    private static async Task<PhiReader> CreateReaderAsync(HttpClient http, string apiUrl, string admin, string device)
    {
        var email = $"bench-physician-{Guid.NewGuid():N}@bench.healthcare-cms.local";
        var password = StrongPassword();
        await SendAsync(http, HttpMethod.Post, apiUrl + "/api/users", admin, device, new
        {
            email,
            password,
            displayName = "Dra. Benchmark",
            role = "physician",
            crm = "123456",
            uf = "SP",
            specialty = "Cardiologia",
        });

        var mfa = await MfaLoginAsync(http, apiUrl, email, password, device);

        var post = await SendAsync(http, HttpMethod.Post, apiUrl + "/api/posts", mfa, device, new
        {
            title = "Relato de caso: hidratação em idosos",
            body = "Paciente idosa com desidratação leve; orientações de ingestão hídrica. Conteúdo de benchmark.",
            medicalCategory = "general",
        });
        var postId = post.GetProperty("id").GetString();
        var consent = await SendAsync(http, HttpMethod.Post, $"{apiUrl}/api/posts/{postId}/patient-consents", mfa, device, new
        {
            patientName = "Maria Benchmark",
            cpf = "52998224725",
            birthDate = "1950-05-10",
            scope = "case_report",
        });
        return new PhiReader(mfa, $"/api/patient-consents/{consent.GetProperty("id").GetString()}", device);
    }

    /// <summary>A wrk Lua script sending each request as the next reader (token, device headers, own consent).</summary>
    public static string WrkScript(IReadOnlyList<PhiReader> readers)
    {
        var lua = new StringBuilder();
        lua.AppendLine("local readers = {");
        foreach (var reader in readers)
        {
            lua.AppendLine($"  {{ path = \"{reader.ConsentPath}\", token = \"{reader.AccessToken}\", device = \"{reader.DeviceId}\" }},");
        }

        lua.AppendLine("}");
        lua.AppendLine("local i = 0");
        lua.AppendLine("request = function()");
        lua.AppendLine("  i = i + 1");
        lua.AppendLine("  local r = readers[(i % #readers) + 1]");
        lua.AppendLine($"  return wrk.format(\"GET\", r.path, {{ [\"Authorization\"] = \"Bearer \" .. r.token, [\"{PhiReader.DeviceIdHeader}\"] = r.device, [\"{PhiReader.DeviceManagedHeader}\"] = \"true\" }})");
        lua.AppendLine("end");
        return lua.ToString();
    }

    public static string StrongPassword() =>
        "Bench-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('/', 'x').Replace('+', 'y') + "-9a";

    /// <summary>A password login, TOTP enrolment and verification, then a login with a code: an MFA session's token.</summary>
    private static async Task<string> MfaLoginAsync(HttpClient http, string apiUrl, string email, string password, string device)
    {
        var session = await LoginAsync(http, apiUrl, email, password, totp: null, device);
        var enrollment = await SendAsync(http, HttpMethod.Post, apiUrl + "/api/auth/mfa/enroll", session, device, null);
        var secret = Base32Decode(enrollment.GetProperty("secret").GetString()!);
        var step = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30;
        await SendAsync(http, HttpMethod.Post, apiUrl + "/api/auth/mfa/verify", session, device, new { code = TotpCode(secret, step) });
        // A code is accepted once: log in with the next step's (one step of drift is allowed).
        return await LoginAsync(http, apiUrl, email, password, TotpCode(secret, step + 1), device);
    }

    private static async Task<string> LoginAsync(HttpClient http, string apiUrl, string email, string password, string? totp, string device)
    {
        var tokens = await SendAsync(http, HttpMethod.Post, apiUrl + "/api/auth/login", null, device, new { email, password, totp });
        return tokens.GetProperty("accessToken").GetString()!;
    }

    /// <summary>
    /// One set-up request. A 503 (the enforcement point failing closed when no decision came within its
    /// timeout, as happens while the set-up's password hashing saturates the cores) is retried a few times;
    /// set-up is not measured.
    /// </summary>
    private static async Task<JsonElement> SendAsync(HttpClient http, HttpMethod method, string url, string? token, string device, object? body)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, url);
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            request.Headers.Add(PhiReader.DeviceIdHeader, device);
            request.Headers.Add(PhiReader.DeviceManagedHeader, "true");
            if (body is not null)
            {
                request.Content = JsonContent.Create(body);
            }

            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable && attempt < 5)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500 * attempt));
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{method} {new Uri(url).AbsolutePath} answered {(int)response.StatusCode}: {text}");
            }

            return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }
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
