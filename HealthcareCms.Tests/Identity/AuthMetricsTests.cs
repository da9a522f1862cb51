using System.Security.Claims;
using HealthcareCms.Api.Identity;
using HealthcareCms.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace HealthcareCms.Tests.Identity;

public sealed class AuthMetricsTests
{
    [Theory]
    [InlineData(LoginResult.Success, "success")]
    [InlineData(LoginResult.InvalidCredentials, "invalid_credentials")]
    [InlineData(LoginResult.LockedOut, "locked_out")]
    [InlineData(LoginResult.MfaRequired, "mfa_required")]
    [InlineData(LoginResult.MfaFailed, "mfa_failed")]
    [InlineData(LoginResult.RateLimited, "rate_limited")]
    public void Each_login_result_counts_once_with_its_result_tag(LoginResult result, string tag) =>
        AssertSingleIncrement(AuthMetrics.LoginAttempts, metrics => metrics.LoginAttempt(result), new() { ["result"] = tag });

    [Theory]
    [InlineData(RefreshResult.Success, "success")]
    [InlineData(RefreshResult.Expired, "expired")]
    [InlineData(RefreshResult.Reused, "reused")]
    [InlineData(RefreshResult.Invalid, "invalid")]
    public void Each_refresh_result_counts_once_with_its_result_tag(RefreshResult result, string tag) =>
        AssertSingleIncrement(AuthMetrics.TokenRefreshes, metrics => metrics.TokenRefresh(result), new() { ["result"] = tag });

    [Fact]
    public void A_logout_counts_once_without_tags() =>
        AssertSingleIncrement(AuthMetrics.Logouts, metrics => metrics.Logout(), []);

    [Fact]
    public void Every_result_tag_is_in_the_catalogs_closed_set()
    {
        var login = MetricCatalog.ByName[AuthMetrics.LoginAttempts].Tags.Single(t => t.Key == "result").Values;
        var refresh = MetricCatalog.ByName[AuthMetrics.TokenRefreshes].Tags.Single(t => t.Key == "result").Values;

        Assert.Equal(login.Order(), Enum.GetValues<LoginResult>().Select(AuthMetrics.Tag).Order());
        Assert.Equal(refresh.Order(), Enum.GetValues<RefreshResult>().Select(AuthMetrics.Tag).Order());
    }

    private static void AssertSingleIncrement(string instrument, Action<AuthMetrics> record, Dictionary<string, object?> tags)
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var collector = new MetricCollector<long>(factory, MetricCatalog.Meters.Auth, instrument);

        record(new AuthMetrics(factory));

        var measurement = Assert.Single(collector.GetMeasurementSnapshot());
        Assert.Equal(1, measurement.Value);
        Assert.Equal(tags, measurement.Tags);
    }
}

public sealed class PoliciesTests
{
    private static readonly IAuthorizationService Authorization = new ServiceCollection()
        .AddLogging()
        .AddAuthorization(Policies.Add)
        .BuildServiceProvider()
        .GetRequiredService<IAuthorizationService>();

    private static ClaimsPrincipal Principal(string role, params string[] amr) => new(new ClaimsIdentity(
        [new Claim(CmsClaims.Subject, Guid.NewGuid().ToString()), new Claim(CmsClaims.Role, role),
            .. amr.Select(a => new Claim(CmsClaims.AuthenticationMethods, a))],
        "Bearer", CmsClaims.Subject, CmsClaims.Role));

    [Theory]
    [InlineData(Roles.Physician, true, true)]
    [InlineData(Roles.Dpo, true, true)]
    [InlineData(Roles.Admin, true, true)]
    [InlineData(Roles.Physician, false, false)]
    [InlineData(Roles.Admin, false, false)]
    [InlineData(Roles.Reader, true, false)]
    [InlineData(Roles.Editor, true, false)]
    public async Task Phi_capable_needs_a_phi_role_and_mfa(string role, bool mfa, bool allowed)
    {
        var user = mfa ? Principal(role, "pwd", "mfa", "otp") : Principal(role, "pwd");

        var result = await Authorization.AuthorizeAsync(user, Policies.PhiCapable);

        Assert.Equal(allowed, result.Succeeded);
    }

    [Theory]
    [InlineData(Policies.Admin, Roles.Admin, true)]
    [InlineData(Policies.Admin, Roles.Editor, false)]
    [InlineData(Policies.EditorOrAdmin, Roles.Editor, true)]
    [InlineData(Policies.EditorOrAdmin, Roles.Admin, true)]
    [InlineData(Policies.EditorOrAdmin, Roles.Reviewer, false)]
    [InlineData(Policies.DpoOrAdmin, Roles.Dpo, true)]
    [InlineData(Policies.DpoOrAdmin, Roles.Physician, false)]
    [InlineData(Policies.Physician, Roles.Physician, true)]
    [InlineData(Policies.Physician, Roles.Reader, false)]
    [InlineData(Policies.Authenticated, Roles.Reader, true)]
    public async Task Role_policies_admit_exactly_their_roles(string policy, string role, bool allowed) =>
        Assert.Equal(allowed, (await Authorization.AuthorizeAsync(Principal(role, "pwd"), policy)).Succeeded);

    [Fact]
    public async Task Anonymous_callers_satisfy_no_policy()
    {
        var anonymous = new ClaimsPrincipal(new ClaimsIdentity());
        foreach (var policy in new[] { Policies.Authenticated, Policies.Admin, Policies.PhiCapable })
        {
            Assert.False((await Authorization.AuthorizeAsync(anonymous, policy)).Succeeded);
        }
    }
}
