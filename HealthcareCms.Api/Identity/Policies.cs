using Microsoft.AspNetCore.Authorization;

namespace HealthcareCms.Api.Identity;

/// <summary>The authorization policies every area uses (CONTRACTS §1).</summary>
public static class Policies
{
    public const string Authenticated = "authenticated";
    public const string Admin = "admin";
    public const string EditorOrAdmin = "editor-or-admin";
    public const string DpoOrAdmin = "dpo-or-admin";
    public const string Physician = "physician";

    /// <summary>A role that can reach PHI (physician, dpo, admin) AND a session that passed TOTP.</summary>
    public const string PhiCapable = "phi-capable";

    public static void Add(AuthorizationOptions options)
    {
        options.AddPolicy(Authenticated, p => p.RequireAuthenticatedUser());
        options.AddPolicy(Admin, p => p.RequireAuthenticatedUser().RequireRole(Roles.Admin));
        options.AddPolicy(EditorOrAdmin, p => p.RequireAuthenticatedUser().RequireRole(Roles.Editor, Roles.Admin));
        options.AddPolicy(DpoOrAdmin, p => p.RequireAuthenticatedUser().RequireRole(Roles.Dpo, Roles.Admin));
        options.AddPolicy(Physician, p => p.RequireAuthenticatedUser().RequireRole(Roles.Physician));
        options.AddPolicy(PhiCapable, p => p.RequireAuthenticatedUser()
            .RequireRole(Roles.PhiCapable)
            .RequireClaim(CmsClaims.AuthenticationMethods, CmsClaims.MfaMethod));
    }
}
