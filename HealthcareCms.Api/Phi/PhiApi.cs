using System.Diagnostics;
using System.Globalization;
using HealthcareCms.Api.Access;
using HealthcareCms.Api.Audit;
using HealthcareCms.Api.Content;
using HealthcareCms.Api.Data;
using HealthcareCms.Api.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace HealthcareCms.Api.Phi;

public sealed record CreatePatientConsentRequest(string? PatientName, string? Cpf, string? BirthDate, string? Scope);

public sealed record PatientConsentCreated(Guid Id);

public sealed record PatientConsentView(Guid Id, Guid PostId, string PatientName, string Cpf, string BirthDate, string Scope, DateTimeOffset CreatedAt);

/// <summary>
/// Patient image-use / case-report consents (PHI). Every read and write asks <see cref="IAccessDecider"/>,
/// is audited in the same transaction (an audit failure fails the access) and counted by role. The values
/// are never logged, never put on spans and never returned by a list endpoint.
/// </summary>
public static class PhiApi
{
    public const int MaxNameLength = 200;
    private const string AuditResource = "patient_consent";
    private static readonly ActivitySource Activity = new("HealthcareCms.Phi");

    public static IHostApplicationBuilder AddPhi(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(PhiEncryptionOptions.SectionName).Get<PhiEncryptionOptions>() ?? new();

        builder.Services.AddSingleton(_ => new PhiProtector(options));
        return builder;
    }

    public static IEndpointRouteBuilder MapPhiApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Patient consents").AuditedAs(AuditResource).RequireAuthorization(Policies.Authenticated);

        group.MapPost("/posts/{id:guid}/patient-consents", CreatePatientConsent)
            .WithName("CreatePatientConsent")
            .WithSummary("The post's author (MFA session) records a patient's consent; the PHI is encrypted at rest.");

        group.MapGet("/patient-consents/{id:guid}", GetPatientConsent)
            .WithName("GetPatientConsent")
            .WithSummary("The post's author (MFA session) reads a patient consent; the access is decided, audited and counted.");

        return app;
    }

    public static async Task<Results<Created<PatientConsentCreated>, ValidationProblem, ProblemHttpResult>> CreatePatientConsent(
        Guid id, CreatePatientConsentRequest request, CmsDbContext db, ICurrentUser user, IAccessDecider decider,
        RequestAuditor auditor, PhiProtector protector, ComplianceMetrics metrics, TimeProvider time, CancellationToken cancellationToken)
    {
        var post = await db.Posts.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (post is null || !PostAccess.CanSee(post, user))
        {
            return PostProblems.NotFound();
        }

        var decision = await decider.DecideAsync(
            new AccessRequest(ResourceTypes.PatientConsent, "create", null, post.AuthorId), cancellationToken);
        if (Refusal(decision, post.AuthorId, user) is { } refusal)
        {
            await auditor.RecordAsync(AuditResource, null, "create", DeniedOutcome(decision), cancellationToken, decision.DecisionId);
            return refusal;
        }

        var errors = new Dictionary<string, string[]>();
        var name = request.PatientName?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
        {
            errors["patientName"] = [$"patientName is required, at most {MaxNameLength} characters."];
        }

        var cpf = Cpf.Normalize(request.Cpf);
        if (cpf is null)
        {
            errors["cpf"] = ["cpf must be a valid CPF (11 digits with valid check digits)."];
        }

        if (!DateOnly.TryParseExact(request.BirthDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var birthDate)
            || birthDate.Year < 1900 || birthDate > DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime))
        {
            errors["birthDate"] = ["birthDate must be an ISO date (yyyy-MM-dd) in the past."];
        }

        if (request.Scope is null || !PatientConsentScopes.All.Contains(request.Scope))
        {
            errors["scope"] = [$"scope must be one of: {string.Join(", ", PatientConsentScopes.All)}."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        using var activity = Activity.StartActivity("phi.patient_consent.create");
        var consentId = Guid.CreateVersion7();
        var consent = new PatientConsent
        {
            Id = consentId,
            PostId = post.Id,
            OwnerId = post.AuthorId,
            Scope = request.Scope!,
            KeyId = protector.ActiveKeyId,
            PatientNameCiphertext = protector.Encrypt(name!, consentId, PatientConsent.PatientNameColumn),
            CpfCiphertext = protector.Encrypt(cpf!, consentId, PatientConsent.CpfColumn),
            BirthDateCiphertext = protector.Encrypt(birthDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), consentId, PatientConsent.BirthDateColumn),
            CreatedAt = time.GetUtcNow(),
        };

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.PatientConsents.Add(consent);
        await db.SaveChangesAsync(cancellationToken);
        await auditor.RecordAsync(AuditResource, consentId.ToString(), "create", AuditOutcomes.Success, cancellationToken, decision.DecisionId);
        await transaction.CommitAsync(cancellationToken);
        metrics.PhiAccessed(user.Role);

        return TypedResults.Created($"/api/patient-consents/{consentId}", new PatientConsentCreated(consentId));
    }

    public static async Task<Results<Ok<PatientConsentView>, ProblemHttpResult>> GetPatientConsent(
        Guid id, CmsDbContext db, ICurrentUser user, IAccessDecider decider, RequestAuditor auditor, PhiProtector protector,
        ComplianceMetrics metrics, CancellationToken cancellationToken)
    {
        var consent = await db.PatientConsents.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (consent is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: "No such patient consent.");
        }

        var decision = await decider.DecideAsync(
            new AccessRequest(ResourceTypes.PatientConsent, "read", consent.Id.ToString(), consent.OwnerId), cancellationToken);
        if (Refusal(decision, consent.OwnerId, user) is { } refusal)
        {
            await auditor.RecordAsync(AuditResource, consent.Id.ToString(), "read", DeniedOutcome(decision), cancellationToken, decision.DecisionId);
            return refusal;
        }

        using var activity = Activity.StartActivity("phi.patient_consent.read");

        // Audited before anything is disclosed: when the audit write fails, the read fails.
        await auditor.RecordAsync(AuditResource, consent.Id.ToString(), "read", AuditOutcomes.Success, cancellationToken, decision.DecisionId);
        metrics.PhiAccessed(user.Role);

        return TypedResults.Ok(new PatientConsentView(
            consent.Id,
            consent.PostId,
            protector.Decrypt(consent.KeyId, consent.PatientNameCiphertext, consent.Id, PatientConsent.PatientNameColumn),
            protector.Decrypt(consent.KeyId, consent.CpfCiphertext, consent.Id, PatientConsent.CpfColumn),
            protector.Decrypt(consent.KeyId, consent.BirthDateCiphertext, consent.Id, PatientConsent.BirthDateColumn),
            consent.Scope,
            consent.CreatedAt));
    }

    private static string DeniedOutcome(AccessDecision decision) =>
        decision.FailureReason is null ? AuditOutcomes.Denied : AuditOutcomes.Failure;

    /// <summary>
    /// Denied → 403; no decision could be had (fail closed) → 503 naming the reason. On top of the zero-trust
    /// decision the content contract's object rule holds: only the post's author reaches its patients' data,
    /// whatever role the policy lets through.
    /// </summary>
    private static ProblemHttpResult? Refusal(AccessDecision decision, Guid ownerId, ICurrentUser user) => decision switch
    {
        { Allowed: true } when user.Id == ownerId && ownerId != Guid.Empty => null,
        { Allowed: true } => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.",
            detail: "Access denied: not_owner."),
        { FailureReason: { } reason } => TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Access decision unavailable.", detail: $"No access decision could be had ({reason}); the request is refused."),
        _ => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.",
            detail: decision.Reasons.Count == 0 ? "Access denied." : $"Access denied: {string.Join(", ", decision.Reasons)}."),
    };
}
