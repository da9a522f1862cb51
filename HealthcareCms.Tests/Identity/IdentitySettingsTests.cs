using HealthcareCms.Api.Identity;
using HealthcareCms.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.Tokens;

namespace HealthcareCms.Tests.Identity;

public sealed class IdentitySettingsTests
{
    private static IdentitySettings Shipped()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Repository.PathOf("HealthcareCms.Api/appsettings.json"))
            .Build();
        return configuration.GetSection(IdentitySettings.Section).Get<IdentitySettings>()!;
    }

    [Fact]
    public void The_shipped_configuration_holds_the_issues_limits()
    {
        var settings = Shipped();

        Assert.InRange(settings.Jwt.AccessTokenLifetime, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(15));
        Assert.Equal(TimeSpan.FromSeconds(30), settings.Jwt.ClockSkew);
        Assert.Equal(TimeSpan.FromHours(8), settings.Session.AbsoluteLifetime);
        Assert.Equal((5, TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(15)),
            (settings.Lockout.MaxFailures, settings.Lockout.Window, settings.Lockout.Duration));
        Assert.True(settings.LoginRateLimit.PermitLimit >= 60);
        Assert.Equal(TimeSpan.FromMinutes(1), settings.LoginRateLimit.Window);
    }

    [Fact]
    public void The_shipped_configuration_is_valid_once_the_signing_key_parameter_is_set()
    {
        var settings = Shipped();
        Assert.False(settings.IsValid());

        settings.Jwt.SigningKey = new string('k', 40);

        Assert.True(settings.IsValid());
    }

    [Theory]
    [InlineData("Jwt:AccessTokenLifetime", "00:15:01")]
    [InlineData("Jwt:ClockSkew", "00:00:31")]
    [InlineData("Jwt:SigningKey", "too-short")]
    [InlineData("Session:AbsoluteLifetime", "08:00:01")]
    [InlineData("Lockout:Window", "00:00:00")]
    [InlineData("LoginRateLimit:PermitLimit", "59")]
    public void Settings_outside_the_issues_bounds_fail_validation(string key, string value)
    {
        var settings = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Jwt:SigningKey"] = new string('k', 40) })
            .AddInMemoryCollection(new Dictionary<string, string?> { [key] = value })
            .Build()
            .Get<IdentitySettings>()!;

        Assert.False(settings.IsValid());
    }

    [Fact]
    public void A_short_signing_key_is_refused()
    {
        Assert.Throws<InvalidOperationException>(() => new KeyMaterial(new string('k', 31)));
    }

    [Fact]
    public void Token_validation_allows_only_hs256_access_tokens_with_explicit_skew()
    {
        var parameters = AccessTokens.ValidationParameters(new KeyMaterial(new string('k', 40)), new JwtSettings());

        Assert.Equal([SecurityAlgorithms.HmacSha256], parameters.ValidAlgorithms);
        Assert.Equal([AccessTokens.TokenType], parameters.ValidTypes);
        Assert.Equal(TimeSpan.FromSeconds(30), parameters.ClockSkew);
        Assert.True(parameters.RequireSignedTokens && parameters.RequireExpirationTime && parameters.ValidateLifetime);
        Assert.True(parameters.ValidateIssuer && parameters.ValidateAudience && parameters.ValidateIssuerSigningKey);
        Assert.Equal((CmsClaims.Issuer, CmsClaims.Audience), (parameters.ValidIssuer, parameters.ValidAudience));
        Assert.Equal((CmsClaims.Subject, CmsClaims.Role), (parameters.NameClaimType, parameters.RoleClaimType));
    }

    [Fact]
    public void The_signing_and_encryption_keys_are_distinct_derivations_of_the_secret()
    {
        var keys = new KeyMaterial(new string('k', 40));

        Assert.Equal(32, keys.SigningKey.Key.Length);
        Assert.Equal(32, keys.MfaEncryptionKey.Length);
        Assert.NotEqual(keys.SigningKey.Key, keys.MfaEncryptionKey);
        Assert.Equal(keys.SigningKey.Key, new KeyMaterial(new string('k', 40)).SigningKey.Key);
    }
}
