using System.Globalization;
using System.Threading.RateLimiting;
using HealthcareCms.Api.Audit;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HealthcareCms.Api.Identity;

public static class IdentityExtensions
{
    public static IHostApplicationBuilder AddCmsIdentity(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<IdentitySettings>()
            .Bind(builder.Configuration.GetSection(IdentitySettings.Section))
            .Validate(s => s.IsValid(), "Identity settings are missing or out of range (Jwt:SigningKey of 32+ characters, " +
                "access tokens ≤ 15 min, skew ≤ 30 s, sessions ≤ 8 h, ≥ 60 logins per minute per IP).")
            .ValidateOnStart();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<KeyMaterial>();
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<AccessTokens>();
        services.AddSingleton<MfaSecretProtector>();
        services.AddSingleton<AuthMetrics>();
        services.AddScoped<LoginThrottleStore>();
        services.AddScoped<SessionService>();
        services.AddScoped<MfaService>();
        services.AddScoped<UserAccounts>();
        services.AddHttpContextAccessor();
        services.AddScoped<ICurrentUser, HttpContextCurrentUser>();

        services.AddSingleton<IdentitySeedState>();
        services.AddHostedService<IdentitySeeder>();
        services.AddHealthChecks().AddCheck<IdentitySeedHealthCheck>("identity-seed", tags: [HealthTags.Ready]);

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<KeyMaterial, IOptions<IdentitySettings>>((options, keys, settings) =>
            {
                options.MapInboundClaims = false;
                options.RequireHttpsMetadata = false;
                options.TokenValidationParameters = AccessTokens.ValidationParameters(keys, settings.Value.Jwt);
                options.Events = new JwtBearerEvents { OnTokenValidated = CheckSessionAsync };
            });
        services.AddAuthorization(Policies.Add);

        services.Configure<ForwardedHeadersOptions>(options =>
        {
            // Trusted proxies only (loopback by default; the ingress network is added in deployment config).
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
        });

        var rateLimit = builder.Configuration.GetSection($"{IdentitySettings.Section}:LoginRateLimit").Get<LoginRateLimitSettings>()
            ?? new LoginRateLimitSettings();
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(AuthApi.LoginRateLimitPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = rateLimit.PermitLimit,
                    Window = rateLimit.Window,
                    QueueLimit = 0,
                }));
            options.OnRejected = OnRateLimitedAsync;
        });

        builder.AddAuditTrail();
        return builder;
    }

    /// <summary>Security headers first (so every response carries them), then forwarded headers, limits, auth.</summary>
    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.UseMiddleware<SecurityHeadersMiddleware>();
        return app;
    }

    public static WebApplication UseCmsIdentity(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.Use(LimitIdentityBodies);
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    public static IEndpointRouteBuilder MapIdentityApi(this IEndpointRouteBuilder app)
    {
        app.MapAuthApi();
        app.MapUsersApi();
        return app;
    }

    /// <summary>Identity bodies are small: anything larger than the limit is refused with 413.</summary>
    private static Task LimitIdentityBodies(HttpContext context, RequestDelegate next)
    {
        if (SecurityHeadersMiddleware.NoStorePrefixes.Any(prefix => context.Request.Path.StartsWithSegments(prefix))
            && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = context.RequestServices.GetRequiredService<IOptions<IdentitySettings>>().Value.MaxRequestBodyBytes;
        }

        return next(context);
    }

    /// <summary>
    /// Every authenticated request checks its session row by primary key: a revoked (logout, reuse,
    /// account disabled) or expired session fails at once, on every replica. PostgreSQL is the truth.
    /// The same query reads the subject's <see cref="SubjectStanding"/> for the policy decision.
    /// </summary>
    private static async Task CheckSessionAsync(TokenValidatedContext context)
    {
        var http = context.HttpContext;
        if (!await SubjectStanding.CheckSessionAsync(http, context.Principal!, http.RequestServices, http.RequestAborted))
        {
            context.Fail("The session has ended.");
        }
    }

    private static async ValueTask OnRateLimitedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        // The one rejection handler serves every limiter policy; only the login's counts as a login attempt.
        var login = http.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName == AuthApi.LoginRateLimitPolicy;
        if (login)
        {
            http.RequestServices.GetRequiredService<AuthMetrics>().LoginAttempt(LoginResult.RateLimited);
        }

        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = login ? "Too many login attempts from this address." : "Too many requests from this address.",
                Detail = "Try again later.",
            },
        });
    }
}
