using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace HealthcareCms.Api.Audit;

/// <summary>
/// The tamper-evident chain: <c>hash = SHA-256(canonical(record) || previous hash)</c>. The canonical form
/// lists every field in a fixed order, each length-prefixed (so no two records share a form), timestamps
/// in UTC with microseconds (PostgreSQL's precision).
/// </summary>
public static class AuditChain
{
    public static readonly string GenesisHash = new('0', 64);

    public static string ComputeHash(AuditRecord record)
    {
        var canonical = new StringBuilder();
        Append(canonical, record.Id.ToString(CultureInfo.InvariantCulture));
        Append(canonical, record.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
        Append(canonical, record.ResourceType);
        Append(canonical, record.ResourceId);
        Append(canonical, record.Action);
        Append(canonical, record.FhirAction);
        Append(canonical, record.Outcome);
        Append(canonical, record.UserId?.ToString("D"));
        Append(canonical, record.UserRole);
        Append(canonical, record.SourceIp);
        Append(canonical, record.RequestId);
        Append(canonical, record.DecisionId);
        Append(canonical, record.Observer);
        Append(canonical, record.PreviousHash);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
    }

    /// <summary>PostgreSQL keeps microseconds; the hash must cover what is stored.</summary>
    public static DateTimeOffset ToStoredPrecision(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % 10), TimeSpan.Zero);
    }

    /// <summary>FHIR AuditEvent.action (C create, R read, U update, D delete, E execute).</summary>
    public static string FhirActionOf(string action) => action switch
    {
        "create" or "grant" => "C",
        "read" or "export" or "verify" => "R",
        "update" or "submit" or "publish" or "archive" or "revoke" or "anonymise" => "U",
        "delete" => "D",
        _ => "E",
    };

    private static void Append(StringBuilder canonical, string? value)
    {
        if (value is null)
        {
            canonical.Append("-|");
            return;
        }

        canonical.Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value).Append('|');
    }
}
