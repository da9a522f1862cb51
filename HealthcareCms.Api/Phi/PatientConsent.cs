using HealthcareCms.Api.Content;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HealthcareCms.Api.Phi;

public static class PatientConsentScopes
{
    public const string ImageUse = "image_use";
    public const string CaseReport = "case_report";

    public static readonly string[] All = [ImageUse, CaseReport];
}

/// <summary>
/// A patient's written authorisation (CFM) to use their images or case in a post. The patient's name, CPF
/// and birth date are PHI: only their AES-GCM ciphertexts are stored (<see cref="PhiProtector"/>).
/// </summary>
public sealed class PatientConsent
{
    public const string PatientNameColumn = "patient_name";
    public const string CpfColumn = "cpf";
    public const string BirthDateColumn = "birth_date";

    public Guid Id { get; set; }

    public Guid PostId { get; set; }

    /// <summary>The post's author when the consent was recorded: the only reader.</summary>
    public Guid OwnerId { get; set; }

    public required string Scope { get; set; }

    /// <summary>The encryption key id of the three ciphertexts.</summary>
    public required string KeyId { get; set; }

    public required byte[] PatientNameCiphertext { get; set; }

    public required byte[] CpfCiphertext { get; set; }

    public required byte[] BirthDateCiphertext { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class PatientConsentConfiguration : IEntityTypeConfiguration<PatientConsent>
{
    public void Configure(EntityTypeBuilder<PatientConsent> consent)
    {
        consent.ToTable("patient_consents");
        consent.HasKey(c => c.Id);
        consent.Property(c => c.Scope).HasMaxLength(40);
        consent.Property(c => c.KeyId).HasMaxLength(40);
        consent.HasIndex(c => c.PostId);
        consent.HasOne<Post>().WithMany().HasForeignKey(c => c.PostId).OnDelete(DeleteBehavior.Restrict);
    }
}
