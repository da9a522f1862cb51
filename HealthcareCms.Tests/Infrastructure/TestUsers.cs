using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Aspire.Hosting.ApplicationModel;
using HealthcareCms.Api.Identity;
using HealthcareCms.AppHost.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace HealthcareCms.Tests.Infrastructure;

/// <summary>A logged-in test user: an Api client carrying the bearer token, and what it took to get it.</summary>
/// <param name="TotpStep">The TOTP time step whose code the login used (spent: it is never accepted again).</param>
public sealed record TestSession(
    HttpClient Client, Guid UserId, string Email, string Password, string Role, TokenResponse Tokens, byte[]? TotpSecret, long? TotpStep);

/// <summary>
/// Logins for integration tests against the running AppHost. Credentials come from the AppHost's own
/// parameters (read from its application model), never from literals. Each <see cref="LoginAsync"/> creates
/// a fresh account of the role through the seeded admin (<see cref="AdminAsync"/>), so tests never share (or
/// lock out, or log out) each other's users; <c>withMfa</c> enrols TOTP and logs in with a computed code, giving a PHI-capable
/// session for physician/dpo/admin. Every login comes from its own X-Forwarded-For test address, so the
/// per-IP login limit is never shared between tests.
/// </summary>
public static class TestUsers
{
    public const string LoginPath = "/api/auth/login";

    public static async Task<string> ParameterAsync(AppHostFixture fixture, string name)
    {
        var model = fixture.App.Services.GetRequiredService<DistributedApplicationModel>();
        var parameter = model.Resources.OfType<ParameterResource>().Single(p => p.Name == name);
        return await parameter.GetValueAsync(CancellationToken.None)
            ?? throw new InvalidOperationException($"The AppHost parameter {name} has no value.");
    }

    /// <summary>A client straight to an internal service (not through the gateway) that carries a gateway
    /// identity assertion for <paramref name="role"/>, signed with the AppHost's <c>internal-signing-key</c>.</summary>
    public static async Task<HttpClient> AssertedClientAsync(AppHostFixture fixture, string resource, string role)
    {
        var key = System.Text.Encoding.UTF8.GetBytes(await ParameterAsync(fixture, "internal-signing-key"));
        var client = fixture.CreateClient(resource);
        client.DefaultRequestHeaders.Add(HealthcareCms.ServiceDefaults.Security.IdentityAssertion.HeaderName,
            HealthcareCms.ServiceDefaults.Security.IdentityAssertion.Create(key, role, "test-" + role, DateTimeOffset.UtcNow.AddSeconds(55)));
        return client;
    }

    /// <summary>An Api client with a fresh <paramref name="role"/> user's bearer token (CONTRACTS §1).</summary>
    public static async Task<HttpClient> LoginAsync(AppHostFixture fixture, string role, bool withMfa = false) =>
        (await CreateSessionAsync(fixture, role, withMfa)).Client;

    private static readonly ConditionalWeakTable<AppHostFixture, SeededAdmin> SeededAdmins = new();

    /// <summary>
    /// The seeded admin (parameters <c>admin-email</c>/<c>admin-password</c>) as user administration
    /// (<c>user_admin</c>) admits it: an MFA session, from a trusted network, on a managed device. The first call
    /// does what an operator does on the first login: a password login, TOTP enrolment, a login with a code.
    /// Later calls share that session (refreshed before it expires), because a TOTP code is accepted only once;
    /// each call gets a client of its own. Tests never log this session out.
    /// </summary>
    public static async Task<TestSession> AdminAsync(AppHostFixture fixture)
    {
        var admin = SeededAdmins.GetValue(fixture, _ => new SeededAdmin());
        await admin.Gate.WaitAsync();
        try
        {
            if (admin.Session is null)
            {
                var email = await ParameterAsync(fixture, IdentityParameters.AdminEmail);
                var password = await ParameterAsync(fixture, IdentityParameters.AdminPassword);
                admin.Session = await EnrollMfaAsync(fixture, await PasswordLoginAsync(fixture, email, password, Roles.Admin));
                admin.RefreshAt = DateTimeOffset.UtcNow.AddSeconds(admin.Session.Tokens.ExpiresIn / 2);
            }
            else if (DateTimeOffset.UtcNow >= admin.RefreshAt)
            {
                using var client = AnonymousClient(fixture);
                using var refreshed = await client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = admin.Session.Tokens.RefreshToken });
                refreshed.EnsureSuccessStatusCode();
                var tokens = (await refreshed.Content.ReadFromJsonAsync<TokenResponse>())!;
                admin.Session = admin.Session with { Tokens = tokens };
                admin.RefreshAt = DateTimeOffset.UtcNow.AddSeconds(tokens.ExpiresIn / 2);
            }

            var session = admin.Session;
            return session with { Client = OnManagedDevice(WithBearer(AnonymousClient(fixture, TrustedAddress), session.Tokens.AccessToken)) };
        }
        finally
        {
            admin.Gate.Release();
        }
    }

    /// <summary>
    /// Marks the client as a managed, known device (the zero-trust context headers of CONTRACTS §2: <c>x-device-id</c>,
    /// <c>x-device-managed</c>): PHI and user administration are reached from managed devices; without them the
    /// shipped policy's trust score can stay under those thresholds.
    /// </summary>
    public static HttpClient OnManagedDevice(this HttpClient client)
    {
        client.DefaultRequestHeaders.Add("x-device-id", $"tests-device-{Guid.NewGuid():N}");
        client.DefaultRequestHeaders.Add("x-device-managed", "true");
        return client;
    }

    public static async Task<TestSession> CreateSessionAsync(AppHostFixture fixture, string role, bool withMfa = false)
    {
        var (email, password) = await CreateUserAsync(fixture, role);
        var session = await PasswordLoginAsync(fixture, email, password, role);
        return withMfa ? await EnrollMfaAsync(fixture, session) : session;
    }

    /// <summary>Enrols TOTP for a password session's account (enrol, verify) and logs in again with a code: an MFA
    /// session. The password session's client is disposed.</summary>
    public static async Task<TestSession> EnrollMfaAsync(AppHostFixture fixture, TestSession session)
    {
        var (email, password, role) = (session.Email, session.Password, session.Role);
        using var enroll = await session.Client.PostAsync("/api/auth/mfa/enroll", null);
        enroll.EnsureSuccessStatusCode();
        var enrollment = (await enroll.Content.ReadFromJsonAsync<MfaEnrollment>())!;
        var secret = Base32.Decode(enrollment.Secret);
        var step = Totp.StepAt(DateTimeOffset.UtcNow);
        using var verify = await session.Client.PostAsJsonAsync("/api/auth/mfa/verify", new { code = Totp.Code(secret, step) });
        verify.EnsureSuccessStatusCode();
        session.Client.Dispose();

        // A code is accepted once: the login uses the next step's code (inside the ±1 step window).
        var tokens = await LoginForTokensAsync(fixture, email, password, Totp.Code(secret, step + 1));
        return Session(fixture, tokens, email, password, role, secret, step + 1);
    }

    /// <summary>Creates an account through the seeded admin; returns its email and a random password.</summary>
    public static async Task<(string Email, string Password)> CreateUserAsync(AppHostFixture fixture, string role, string? email = null)
    {
        var admin = await AdminAsync(fixture);
        using var _ = admin.Client;
        email ??= $"{role}-{Guid.NewGuid():N}@tests.healthcare-cms.local";
        var password = NewPassword();
        var physician = role == Roles.Physician;
        using var created = await admin.Client.PostAsJsonAsync("/api/users", new
        {
            email,
            password,
            displayName = $"Test {role}",
            role,
            crm = physician ? "654321" : null,
            uf = physician ? "RJ" : null,
        });
        if (created.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Creating a {role} test user answered {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
        }

        return (email, password);
    }

    public static async Task<TestSession> PasswordLoginAsync(AppHostFixture fixture, string email, string password, string role) =>
        Session(fixture, await LoginForTokensAsync(fixture, email, password, totp: null), email, password, role, null, null);

    public static async Task<TokenResponse> LoginForTokensAsync(AppHostFixture fixture, string email, string password, string? totp)
    {
        using var client = AnonymousClient(fixture);
        using var response = await client.PostAsJsonAsync(LoginPath, new { email, password, totp });
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"Login answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        return (await response.Content.ReadFromJsonAsync<TokenResponse>())!;
    }

    /// <summary>An Api client that looks like a distinct client address (X-Forwarded-For from loopback is trusted).</summary>
    public static HttpClient AnonymousClient(AppHostFixture fixture, string? clientAddress = null)
    {
        var client = fixture.CreateClient("api");
        client.DefaultRequestHeaders.Add("X-Forwarded-For", clientAddress ?? RandomTestAddress());
        return client;
    }

    /// <summary>An address in the Development policy's trusted networks (private range).</summary>
    public const string TrustedAddress = "10.20.30.50";

    /// <summary>
    /// A DPO or admin as the policy admits them to the audit trail and the LGPD request lists: MFA, from a trusted
    /// network (audit_log requires both; CONTRACTS §2). A password-only session or a random test address is denied.
    /// </summary>
    public static async Task<TestSession> ComplianceSessionAsync(AppHostFixture fixture, string role = Roles.Dpo)
    {
        var session = await CreateSessionAsync(fixture, role, withMfa: true);
        session.Client.WithClientAddress(TrustedAddress);
        return session;
    }

    /// <summary>Sets the client address the Api sees (X-Forwarded-For, trusted from the test host), replacing any earlier one.</summary>
    public static HttpClient WithClientAddress(this HttpClient client, string clientAddress)
    {
        client.DefaultRequestHeaders.Remove("X-Forwarded-For");
        client.DefaultRequestHeaders.Add("X-Forwarded-For", clientAddress);
        return client;
    }

    /// <summary>An address in 198.18.0.0/15 (RFC 2544 benchmarking range): never a trusted network.</summary>
    public static string RandomTestAddress() =>
        $"198.{RandomNumberGenerator.GetInt32(18, 20)}.{RandomNumberGenerator.GetInt32(0, 256)}.{RandomNumberGenerator.GetInt32(1, 255)}";

    public static string NewPassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));

    public static HttpClient WithBearer(HttpClient client, string accessToken)
    {
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    private static TestSession Session(AppHostFixture fixture, TokenResponse tokens, string email, string password, string role, byte[]? secret, long? step)
    {
        var client = WithBearer(AnonymousClient(fixture), tokens.AccessToken);
        var subject = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(tokens.AccessToken).Subject;
        return new TestSession(client, Guid.Parse(subject), email, password, role, tokens, secret, step);
    }

    private sealed class SeededAdmin
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public TestSession? Session { get; set; }

        public DateTimeOffset RefreshAt { get; set; }
    }
}
