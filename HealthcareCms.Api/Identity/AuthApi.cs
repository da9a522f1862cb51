using HealthcareCms.Api.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace HealthcareCms.Api.Identity;

/// <summary><c>/api/auth/*</c> (login, refresh, logout, MFA) and <c>GET /api/me</c>.</summary>
public static class AuthApi
{
    public const string RefreshCookie = "__Secure-hcms_refresh";
    public const string RefreshCookiePath = "/api/auth";
    public const string LoginRateLimitPolicy = "login";
    public const string InvalidCredentialsMessage = "The email or password is incorrect.";

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth");

        auth.MapPost("/login", Login)
            .RequireRateLimiting(LoginRateLimitPolicy)
            .WithName("Login")
            .WithSummary("Exchange email, password (and TOTP when enrolled) for an access token and a refresh token.");

        auth.MapPost("/refresh", Refresh)
            .WithName("RefreshSession")
            .WithSummary("Rotate a refresh token (body or cookie) into a new pair; reuse of a spent token revokes its whole family.");

        auth.MapPost("/logout", Logout)
            .RequireAuthorization(Policies.Authenticated)
            .WithName("Logout")
            .WithSummary("End the caller's session: its access tokens and refresh tokens stop working at once.");

        auth.MapPost("/mfa/enroll", EnrollMfa)
            .RequireAuthorization(Policies.Authenticated)
            .WithName("EnrollMfa")
            .WithSummary("Start TOTP enrolment: a new base32 secret and its otpauth:// URI (not active until verified).");

        auth.MapPost("/mfa/verify", VerifyMfa)
            .RequireAuthorization(Policies.Authenticated)
            .WithName("VerifyMfa")
            .WithSummary("Activate the enrolled TOTP secret by proving one code; later logins then require `totp`.");

        app.MapGet("/api/me", GetMe)
            .RequireAuthorization(Policies.Authenticated)
            .WithTags("Auth")
            .WithName("GetMe")
            .WithSummary("The caller's profile and session (no password or MFA material).");

        return app;
    }

    public static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> Login(
        LoginRequest request, SessionService sessions, HttpContext context, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Email) || request.Email.Length > UserRules.MaxEmailLength)
        {
            errors["email"] = ["An email of at most 254 characters is required."];
        }

        if (string.IsNullOrEmpty(request.Password) || request.Password.Length > 4 * PasswordPolicy.MaxLength)
        {
            errors["password"] = ["A password is required."];
        }

        if (request.Totp is { Length: > 16 })
        {
            errors["totp"] = ["The code is too long."];
        }

        if (errors.Count > 0)
        {
            // Malformed: not a login attempt, so neither counted nor a lockout failure.
            return TypedResults.ValidationProblem(errors);
        }

        var (result, outcome) = await sessions.LoginAsync(request.Email!, request.Password!, request.Totp, Source(context), cancellationToken);
        switch (result)
        {
            case LoginResult.Success:
                SetRefreshCookie(context, outcome);
                return TypedResults.Ok(outcome.Tokens!);
            case LoginResult.LockedOut:
                context.Response.Headers.RetryAfter = ((int)Math.Ceiling(outcome.RetryAfter!.Value.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Too many failed logins.", detail: "Try again later.");
            case LoginResult.MfaRequired:
                return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized,
                    title: "A TOTP code is required.", detail: "Send the current code of your authenticator app as `totp`.",
                    extensions: new Dictionary<string, object?> { ["mfaRequired"] = true });
            default:
                return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: InvalidCredentialsMessage);
        }
    }

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> Refresh(
        [FromBody] RefreshRequest? request, SessionService sessions, HttpContext context, CancellationToken cancellationToken)
    {
        var token = request?.RefreshToken ?? context.Request.Cookies[RefreshCookie];
        var (result, outcome) = await sessions.RefreshAsync(token, Source(context), cancellationToken);
        if (result == RefreshResult.Success)
        {
            SetRefreshCookie(context, outcome);
            return TypedResults.Ok(outcome.Tokens!);
        }

        DeleteRefreshCookie(context);
        return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized,
            title: result == RefreshResult.Expired ? "The session has expired." : "The refresh token is not valid.",
            detail: "Log in again.");
    }

    public static async Task<NoContent> Logout(
        ICurrentUser user, SessionService sessions, HttpContext context, CancellationToken cancellationToken)
    {
        await sessions.LogoutAsync(user.SessionId, user.Id, user.Role, Source(context), cancellationToken);
        DeleteRefreshCookie(context);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<MfaEnrollment>, ProblemHttpResult>> EnrollMfa(
        ICurrentUser user, MfaService mfa, CancellationToken cancellationToken)
    {
        var enrollment = await mfa.EnrollAsync(user.Id, cancellationToken);
        return enrollment is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "MFA is already active for this account.")
            : TypedResults.Ok(enrollment);
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> VerifyMfa(
        MfaVerifyRequest request, ICurrentUser user, MfaService mfa, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await mfa.VerifyAsync(user.Id, user.Role, request.Code, Source(context), cancellationToken);
        return result switch
        {
            MfaVerifyResult.Activated => TypedResults.NoContent(),
            MfaVerifyResult.NotEnrolled => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                title: "No MFA enrolment is pending.", detail: "Call POST /api/auth/mfa/enroll first."),
            _ => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["code"] = ["The code is not valid."] }),
        };
    }

    public static async Task<Results<Ok<MeResponse>, NotFound>> GetMe(
        ICurrentUser current, HttpContext context, CmsDbContext db, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == current.Id, cancellationToken);
        if (user is null)
        {
            return TypedResults.NotFound();
        }

        var amr = context.User.FindAll(CmsClaims.AuthenticationMethods).Select(c => c.Value).ToArray();
        var phiCapable = Roles.PhiCapable.Contains(user.Role) && current.HasMfa;
        return TypedResults.Ok(new MeResponse(user.Id, user.Email, user.DisplayName, user.Role, user.Crm, user.Uf, user.Rqe,
            user.Specialty, user.MfaEnabled, amr, phiCapable, current.SessionId, current.SessionStartedAt));
    }

    public static AuditSource Source(HttpContext context) =>
        new(context.Connection.RemoteIpAddress?.ToString(), context.TraceIdentifier);

    private static void SetRefreshCookie(HttpContext context, SessionOutcome outcome)
    {
        var expiresAt = outcome.SessionExpiresAt!.Value;
        context.Response.Cookies.Append(RefreshCookie, outcome.Tokens!.RefreshToken, new CookieOptions
        {
            HttpOnly = true,
            Secure = true,
            SameSite = SameSiteMode.Lax,
            Path = RefreshCookiePath,
            Expires = expiresAt,
            MaxAge = expiresAt - DateTimeOffset.UtcNow,
            IsEssential = true,
        });
    }

    private static void DeleteRefreshCookie(HttpContext context) =>
        context.Response.Cookies.Delete(RefreshCookie, new CookieOptions
        {
            HttpOnly = true,
            Secure = true,
            SameSite = SameSiteMode.Lax,
            Path = RefreshCookiePath,
        });
}
