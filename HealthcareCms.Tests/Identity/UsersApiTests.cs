using System.Text.Json;
using HealthcareCms.Api.Identity;
using HealthcareCms.Tests.Infrastructure;

namespace HealthcareCms.Tests.Identity;

[Collection(AppHostCollection.Name)]
public sealed class UsersApiTests(AppHostFixture fixture)
{
    [Fact]
    public async Task An_admin_creates_a_physician_with_crm_and_uf_and_gets_201_with_a_location()
    {
        var admin = await TestUsers.AdminAsync(fixture);
        using var client = admin.Client;
        var email = $"Dr.Ana-{Guid.NewGuid():N}@Tests.Healthcare-CMS.local";

        using var response = await client.PostAsJsonAsync("/api/users", new
        {
            email,
            password = TestUsers.NewPassword(),
            displayName = "Dra. Ana",
            role = Roles.Physician,
            crm = "123456",
            uf = "sp",
            rqe = "4567",
            specialty = "Cardiologia",
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var user = (await response.Content.ReadFromJsonAsync<UserResponse>())!;
        Assert.Equal($"/api/users/{user.Id}", response.Headers.Location?.ToString());
        Assert.Equal(email, user.Email);
        Assert.Equal(("123456", "SP", "4567"), (user.Crm, user.Uf, user.Rqe));
        Assert.False(user.MfaEnabled);
        Assert.DoesNotContain("password", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, await IdentityProbe.CountAsync(fixture,
            "SELECT count(*) FROM cms.audit_log WHERE resource_type = 'user' AND resource_id = @id AND action = 'create' AND user_id = @admin",
            ("id", user.Id.ToString()), ("admin", admin.UserId)));
    }

    [Fact]
    public async Task Emails_are_unique_case_insensitively()
    {
        var (email, _) = await TestUsers.CreateUserAsync(fixture, Roles.Reader);
        var admin = await TestUsers.AdminAsync(fixture);
        using var client = admin.Client;

        using var duplicate = await client.PostAsJsonAsync("/api/users", new
        {
            email = email.ToUpperInvariant(), password = TestUsers.NewPassword(), displayName = "Copy", role = Roles.Reader,
        });

        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
    }

    public static TheoryData<string, object> InvalidUsers() => new()
    {
        { "crm", new { email = NewEmail(), password = TestUsers.NewPassword(), displayName = "Dr X", role = "physician" } },
        { "uf", new { email = NewEmail(), password = TestUsers.NewPassword(), displayName = "Dr X", role = "physician", crm = "1234", uf = "XX" } },
        { "password", new { email = NewEmail(), password = "password123", displayName = "X", role = "reader" } },
        { "password", new { email = NewEmail(), password = "short", displayName = "X", role = "reader" } },
        { "role", new { email = NewEmail(), password = TestUsers.NewPassword(), displayName = "X", role = "superuser" } },
        { "email", new { email = "not-an-email", password = TestUsers.NewPassword(), displayName = "X", role = "reader" } },
        { "displayName", new { email = NewEmail(), password = TestUsers.NewPassword(), displayName = " ", role = "reader" } },
    };

    [Theory]
    [MemberData(nameof(InvalidUsers))]
    public async Task Invalid_accounts_are_refused_with_a_validation_problem_naming_the_field(string field, object body)
    {
        var admin = await TestUsers.AdminAsync(fixture);
        using var client = admin.Client;

        using var response = await client.PostAsJsonAsync("/api/users", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(Roles.Editor)]
    [InlineData(Roles.Physician)]
    [InlineData(Roles.Dpo)]
    [InlineData(Roles.Reader)]
    public async Task Only_admins_create_users(string role)
    {
        var session = await TestUsers.CreateSessionAsync(fixture, role);
        using var _ = session.Client;

        using var response = await session.Client.PostAsJsonAsync("/api/users", new
        {
            email = NewEmail(), password = TestUsers.NewPassword(), displayName = "X", role = Roles.Admin,
        });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    /// <summary>
    /// <c>/api/users</c> is decided as <c>user_admin</c> per request (MFA, trusted network, threshold 80). An admin's
    /// first, password-only session is refused <c>mfa_required</c> (the seeded admin's bootstrap is the same): it
    /// enrols TOTP, logs in with a code, and is let through, each access audited with its decision id; the same
    /// MFA session from outside the trusted networks is refused <c>untrusted_network</c>.
    /// </summary>
    [Fact]
    public async Task User_administration_is_decided_by_the_policy_service_and_audited_with_the_decision()
    {
        var passwordOnly = await TestUsers.CreateSessionAsync(fixture, Roles.Admin);
        passwordOnly.Client.WithClientAddress(TestUsers.TrustedAddress).OnManagedDevice();
        using (var refused = await passwordOnly.Client.GetAsync($"/api/users/{Guid.NewGuid()}"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(["mfa_required"], problem.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
            Assert.Equal(1, await AuditedAsync(passwordOnly.UserId, "read", "denied", problem.GetProperty("decisionId").GetString()!));
        }

        var mfa = await TestUsers.EnrollMfaAsync(fixture, passwordOnly);
        using var mfaClient = mfa.Client.WithClientAddress(TestUsers.TrustedAddress).OnManagedDevice();
        using var created = await mfaClient.PostAsJsonAsync("/api/users", new
        {
            email = NewEmail(), password = TestUsers.NewPassword(), displayName = "Decided", role = Roles.Reader,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var userId = (await created.Content.ReadFromJsonAsync<UserResponse>())!.Id;
        var profile = await mfaClient.GetFromJsonAsync<UserResponse>($"/api/users/{userId}");
        Assert.Equal(userId, profile!.Id);
        Assert.Equal(1, await IdentityProbe.CountAsync(fixture,
            "SELECT count(*) FROM cms.audit_log WHERE resource_type = 'user' AND resource_id = @id AND action = 'read' " +
            "AND outcome = 'success' AND user_id = @admin AND length(decision_id) = 32", ("id", userId.ToString()), ("admin", mfa.UserId)));
        using (var disabled = await mfaClient.PostAsync($"/api/users/{userId}/disable", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, disabled.StatusCode);
        }

        // Each change's own entry carries the allow's decision id, and there is no second, id-less access entry.
        foreach (var action in new[] { "create", "update" })
        {
            Assert.Equal(1, await IdentityProbe.CountAsync(fixture,
                "SELECT count(*) FROM cms.audit_log WHERE resource_type = 'user' AND resource_id = @id AND action = @action " +
                "AND user_id = @admin AND length(decision_id) = 32", ("id", userId.ToString()), ("action", action), ("admin", mfa.UserId)));
        }

        Assert.Equal(0, await IdentityProbe.CountAsync(fixture,
            "SELECT count(*) FROM cms.audit_log WHERE resource_type = 'user' AND resource_id IS NULL AND user_id = @admin AND outcome = 'success'",
            ("admin", mfa.UserId)));

        mfaClient.WithClientAddress(TestUsers.RandomTestAddress());
        using var offNetwork = await mfaClient.GetAsync($"/api/users/{userId}");
        Assert.Equal(HttpStatusCode.Forbidden, offNetwork.StatusCode);
        var offNetworkProblem = await offNetwork.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("untrusted_network", offNetworkProblem.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
    }

    private Task<long> AuditedAsync(Guid userId, string action, string outcome, string decisionId) =>
        IdentityProbe.CountAsync(fixture,
            "SELECT count(*) FROM cms.audit_log WHERE resource_type = 'user' AND user_id = @user AND action = @action " +
            "AND outcome = @outcome AND decision_id = @decision",
            ("user", userId), ("action", action), ("outcome", outcome), ("decision", decisionId));

    [Fact]
    public async Task Anonymous_callers_get_401_from_the_users_api()
    {
        using var client = TestUsers.AnonymousClient(fixture);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/users", new { email = NewEmail() })).StatusCode);
    }

    private static string NewEmail() => $"invalid-{Guid.NewGuid():N}@tests.healthcare-cms.local";
}
