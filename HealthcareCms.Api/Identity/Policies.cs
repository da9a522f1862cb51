namespace HealthcareCms.Api.Identity;

/// <summary>Authorization policy names (CONTRACTS §1). Identity owns this file; content codes against the names.</summary>
public static class Policies
{
    public const string Authenticated = "authenticated";
    public const string Admin = "admin";
    public const string EditorOrAdmin = "editor-or-admin";
    public const string DpoOrAdmin = "dpo-or-admin";
    public const string Physician = "physician";
    public const string PhiCapable = "phi-capable";
}
