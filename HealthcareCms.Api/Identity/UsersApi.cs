using System.Net.Mail;
using HealthcareCms.Api.Access;
using HealthcareCms.Api.Audit;
using HealthcareCms.Api.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace HealthcareCms.Api.Identity;

/// <summary>
/// Account administration: create, read, disable. Admins only, and every request is decided by the policy
/// service as <c>user_admin</c> (MFA and a trusted network in the shipped policy). The decision id is on the
/// audit entry of each change and each profile read.
/// </summary>
public static class UsersApi
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/users").WithTags("Users").AuditedAs("user").RequireAuthorization(Policies.Admin);

        users.MapPost("", CreateUser)
            .RequireAccess(ResourceTypes.UserAdmin, "create", AccessAudit.Refusals)
            .WithName("CreateUser")
            .WithSummary("Create an account (admin, decided as user_admin); physicians need CRM and UF.");

        users.MapGet("/{id:guid}", GetUser)
            .RequireAccess(ResourceTypes.UserAdmin, "read")
            .WithName("GetUser")
            .WithSummary("An account's profile (admin, decided as user_admin; every read is audited).");

        users.MapPost("/{id:guid}/disable", DisableUser)
            .RequireAccess(ResourceTypes.UserAdmin, "disable", AccessAudit.Refusals)
            .WithName("DisableUser")
            .WithSummary("Disable an account (admin, decided as user_admin): it cannot log in and all its sessions end at once.");

        return app;
    }

    public static async Task<Results<Created<UserResponse>, ValidationProblem, ProblemHttpResult>> CreateUser(
        CreateUserRequest request, UserAccounts accounts, RequestAuditor auditor, CancellationToken cancellationToken)
    {
        if (UserRules.Validate(request) is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var user = await accounts.CreateAsync(request, cancellationToken);
        if (user is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "An account with this email already exists.");
        }

        await auditor.RecordAsync("user", user.Id.ToString(), "create", AuditOutcomes.Success, cancellationToken);
        return TypedResults.Created($"/api/users/{user.Id}", UserResponse.From(user));
    }

    public static async Task<Results<Ok<UserResponse>, NotFound>> GetUser(Guid id, CmsDbContext db, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, cancellationToken) is { } user
            ? TypedResults.Ok(UserResponse.From(user))
            : TypedResults.NotFound();

    public static async Task<Results<NoContent, NotFound>> DisableUser(
        Guid id, UserAccounts accounts, RequestAuditor auditor, CancellationToken cancellationToken)
    {
        if (!await accounts.DisableAsync(id, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        await auditor.RecordAsync("user", id.ToString(), "update", AuditOutcomes.Success, cancellationToken);
        return TypedResults.NoContent();
    }
}

/// <summary>Account creation and disabling, shared by the users API and the seeder.</summary>
public sealed class UserAccounts(CmsDbContext db, PasswordHasher hasher, TimeProvider time, SessionService sessions)
{
    /// <summary>The new user, or null when the email is taken (case-insensitively).</summary>
    public async Task<User?> CreateAsync(CreateUserRequest request, CancellationToken cancellationToken)
    {
        var user = new User
        {
            Id = Guid.NewGuid(),
            Email = request.Email!.Trim(),
            NormalizedEmail = User.Normalize(request.Email),
            DisplayName = request.DisplayName!.Trim(),
            Role = request.Role!,
            PasswordHash = hasher.Hash(request.Password!),
            Crm = request.Crm?.Trim(),
            Uf = request.Uf?.Trim().ToUpperInvariant(),
            Rqe = request.Rqe?.Trim(),
            Specialty = request.Specialty?.Trim(),
            CreatedAt = time.GetUtcNow(),
        };
        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return user;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.Entry(user).State = EntityState.Detached;
            return null;
        }
    }

    public async Task<bool> DisableAsync(Guid id, CancellationToken cancellationToken)
    {
        var updated = await db.Users.Where(u => u.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.IsDisabled, true), cancellationToken);
        if (updated == 0)
        {
            return false;
        }

        await sessions.RevokeAllAsync(id, cancellationToken);
        return true;
    }

    public bool PasswordMatches(User user, string password) => hasher.Verify(password, user.PasswordHash);

    public void SetPassword(User user, string password) => user.PasswordHash = hasher.Hash(password);
}

public static class UserRules
{
    public const int MaxEmailLength = 254;
    public const int MaxDisplayNameLength = 100;

    /// <summary>The 27 federative units of Brazil (a CRM registration belongs to one).</summary>
    public static readonly string[] Ufs =
    [
        "AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG", "PA", "PB", "PR", "PE", "PI",
        "RJ", "RN", "RS", "RO", "RR", "SC", "SP", "SE", "TO",
    ];

    public static Dictionary<string, string[]>? Validate(CreateUserRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (!IsEmail(request.Email))
        {
            errors["email"] = ["A valid email address of at most 254 characters is required."];
        }

        if (new PasswordPolicy().Check(request.Password, request.Email) is { } passwordProblem)
        {
            errors["password"] = [passwordProblem];
        }

        if (string.IsNullOrWhiteSpace(request.DisplayName) || request.DisplayName.Trim().Length > MaxDisplayNameLength)
        {
            errors["displayName"] = [$"A display name of 1 to {MaxDisplayNameLength} characters is required."];
        }

        if (request.Role is null || !Roles.All.Contains(request.Role))
        {
            errors["role"] = [$"The role must be one of: {string.Join(", ", Roles.All)}."];
        }

        if (request.Role == Roles.Physician || request.Crm is not null || request.Uf is not null)
        {
            if (request.Crm is not { } crm || crm.Trim() is not { Length: >= 1 and <= 10 } trimmed || !trimmed.All(char.IsAsciiDigit))
            {
                errors["crm"] = ["Physicians need a CRM number (1 to 10 digits)."];
            }

            if (request.Uf is null || !Ufs.Contains(request.Uf.Trim().ToUpperInvariant()))
            {
                errors["uf"] = ["Physicians need the UF (state) of their CRM, e.g. SP."];
            }
        }

        if (request.Rqe is { } rqe && (rqe.Trim().Length is < 1 or > 10 || !rqe.Trim().All(char.IsAsciiDigit)))
        {
            errors["rqe"] = ["The RQE is 1 to 10 digits."];
        }

        if (request.Specialty is { } specialty && specialty.Trim().Length is < 1 or > 100)
        {
            errors["specialty"] = ["The specialty is 1 to 100 characters."];
        }

        return errors.Count == 0 ? null : errors;
    }

    private static bool IsEmail(string? email) =>
        !string.IsNullOrWhiteSpace(email) && email.Trim().Length <= MaxEmailLength
        && MailAddress.TryCreate(email.Trim(), out var address) && address.Address == email.Trim() && address.Host.Contains('.');
}
