using HealthcareCms.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HealthcareCms.Api.Identity;

/// <summary>Whether the seeded accounts exist (readiness waits for it).</summary>
public sealed class IdentitySeedState
{
    private volatile bool _done;

    public bool IsDone => _done;

    public void MarkDone() => _done = true;
}

internal sealed class IdentitySeedHealthCheck(IdentitySeedState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.IsDone ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("The seeded accounts are not there yet."));
}

/// <summary>
/// Creates the first admin from the AppHost parameters <c>admin-email</c>/<c>admin-password</c> and, in
/// Development, one demo user per role (<c>&lt;role&gt;@demo.healthcare-cms.local</c>, password parameter
/// <c>demo-password</c>). An existing admin is left alone; demo passwords follow the parameter.
/// </summary>
internal sealed partial class IdentitySeeder(
    IServiceProvider services,
    DatabaseMigrationState migrations,
    IdentitySeedState state,
    IOptions<IdentitySettings> settings,
    IHostEnvironment environment,
    ILogger<IdentitySeeder> logger) : BackgroundService
{
    public const string DemoDomain = "demo.healthcare-cms.local";

    public static string DemoEmail(string role) => $"{role}@{DemoDomain}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!migrations.IsReady)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), stoppingToken);
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await SeedAsync(stoppingToken);
                state.MarkDone();
                return;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or DbUpdateException && attempt < 10)
            {
                LogRetrying(logger, attempt, ex.GetType().Name);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private async Task SeedAsync(CancellationToken cancellationToken)
    {
        var seed = settings.Value.Seed;
        await using var scope = services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<UserAccounts>();
        var db = scope.ServiceProvider.GetRequiredService<CmsDbContext>();

        if (!string.IsNullOrWhiteSpace(seed.AdminEmail) && !string.IsNullOrEmpty(seed.AdminPassword))
        {
            var admin = new CreateUserRequest(seed.AdminEmail, seed.AdminPassword, "Administrator", Roles.Admin);
            if (UserRules.Validate(admin) is { } errors)
            {
                LogSeedRejected(logger, "admin", string.Join(", ", errors.Keys));
            }
            else if (!await db.Users.AnyAsync(u => u.NormalizedEmail == User.Normalize(seed.AdminEmail), cancellationToken))
            {
                await accounts.CreateAsync(admin, cancellationToken);
                LogSeeded(logger, Roles.Admin);
            }
        }
        else
        {
            LogNoAdminParameters(logger);
        }

        if (environment.IsDevelopment() && !string.IsNullOrEmpty(seed.DemoPassword))
        {
            foreach (var role in Roles.All)
            {
                await SeedDemoUserAsync(accounts, db, role, seed.DemoPassword, cancellationToken);
            }
        }
    }

    private async Task SeedDemoUserAsync(UserAccounts accounts, CmsDbContext db, string role, string password, CancellationToken cancellationToken)
    {
        var physician = role == Roles.Physician;
        var request = new CreateUserRequest(DemoEmail(role), password, $"Demo {role}", role,
            Crm: physician ? "123456" : null, Uf: physician ? "SP" : null, Specialty: physician ? "Cardiologia" : null);
        if (UserRules.Validate(request) is { } errors)
        {
            LogSeedRejected(logger, role, string.Join(", ", errors.Keys));
            return;
        }

        var existing = await db.Users.FirstOrDefaultAsync(u => u.NormalizedEmail == User.Normalize(request.Email!), cancellationToken);
        if (existing is null)
        {
            await accounts.CreateAsync(request, cancellationToken);
            LogSeeded(logger, role);
        }
        else if (!accounts.PasswordMatches(existing, password))
        {
            accounts.SetPassword(existing, password);
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded the {Role} account")]
    private static partial void LogSeeded(ILogger logger, string role);

    [LoggerMessage(Level = LogLevel.Error, Message = "Seed account for {Role} not created: parameters fail validation ({Fields})")]
    private static partial void LogSeedRejected(ILogger logger, string role, string fields);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No admin-email/admin-password parameters: no admin account is seeded")]
    private static partial void LogNoAdminParameters(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Seeding accounts failed (attempt {Attempt}, {ErrorType}); retrying")]
    private static partial void LogRetrying(ILogger logger, int attempt, string errorType);
}
