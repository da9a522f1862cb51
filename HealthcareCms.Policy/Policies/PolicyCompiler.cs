using System.Collections.Frozen;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using HealthcareCms.ServiceDefaults.Telemetry;

namespace HealthcareCms.Policy.Policies;

/// <summary>The outcome of compiling a policy file: the policy, or every error found (never both).</summary>
public sealed record PolicyCompilation(CompiledPolicy? Policy, IReadOnlyList<string> Errors)
{
    public bool Succeeded => Policy is not null;
}

/// <summary>
/// Parses and validates a policy document (and an optional environment overlay). Validation collects every
/// error with the JSON path it concerns, so a rejected file is fixed in one pass.
/// </summary>
public static partial class PolicyCompiler
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        WriteIndented = true,
    };

    /// <summary>The resource types a policy may define: the closed set of the metric contract.</summary>
    public static readonly FrozenSet<string> KnownResourceTypes =
        MetricCatalog.Values.ResourceTypes.Where(t => t != "unknown").ToFrozenSet(StringComparer.Ordinal);

    public static readonly FrozenSet<string> KnownRoles = MetricCatalog.Values.Roles.ToFrozenSet(StringComparer.Ordinal);

    public static PolicyCompilation Compile(string policyJson, string? overlayJson = null)
    {
        var errors = new List<string>();
        var document = Parse<PolicyDocument>(policyJson, "policy", errors);
        var overlay = overlayJson is null ? null : Parse<PolicyOverlayDocument>(overlayJson, "overlay", errors);
        if (document is null || errors.Count > 0)
        {
            return new PolicyCompilation(null, errors);
        }

        return Compile(document, overlay);
    }

    public static PolicyCompilation Compile(PolicyDocument document, PolicyOverlayDocument? overlay = null)
    {
        var errors = new List<string>();
        if (!VersionPattern().IsMatch(document.Version))
        {
            errors.Add("version: must be 1-64 characters of letters, digits, '.', '-' or '_'.");
        }

        ValidateWeights(document.Weights, errors);
        ValidateFactors(document.Factors, errors);
        var networks = ParseNetworks(document.TrustedNetworks, "trustedNetworks", errors);
        if (overlay is not null)
        {
            if (!IdentifierPattern().IsMatch(overlay.Name))
            {
                errors.Add("overlay.name: must be a lowercase identifier (a-z, 0-9, '_', '-').");
            }

            networks.AddRange(ParseNetworks(overlay.TrustedNetworks, "overlay.trustedNetworks", errors));
        }

        var resources = new Dictionary<string, CompiledResourceRule>(StringComparer.Ordinal);
        if (document.Resources.Count == 0)
        {
            errors.Add("resources: at least one resource type is required.");
        }

        foreach (var (type, rule) in document.Resources)
        {
            // The deserializer checks nullable annotations on properties, not on dictionary values or list elements.
            if (rule is null)
            {
                errors.Add($"resources.{type}: must be an object.");
                continue;
            }

            if (!KnownResourceTypes.Contains(type))
            {
                errors.Add($"resources.{type}: unknown resource type (known: {string.Join(", ", KnownResourceTypes.Order())}).");
                continue;
            }

            if (ValidateRule($"resources.{type}", rule, errors))
            {
                resources[type] = new CompiledResourceRule
                {
                    ResourceType = type,
                    Actions = rule.Actions.ToFrozenSet(StringComparer.Ordinal),
                    Roles = rule.Roles.ToFrozenSet(StringComparer.Ordinal),
                    MinTrustScore = rule.MinTrustScore,
                    RequireMfa = rule.RequireMfa,
                    OwnerOnlyRoles = rule.OwnerOnlyRoles.ToFrozenSet(StringComparer.Ordinal),
                    RequireTrustedNetwork = rule.RequireTrustedNetwork,
                    RequireManagedDevice = rule.RequireManagedDevice,
                    BusinessHoursOnly = rule.BusinessHoursOnly,
                    Obligations = [.. rule.Obligations],
                };
            }
        }

        if (errors.Count > 0)
        {
            return new PolicyCompilation(null, errors);
        }

        return new PolicyCompilation(new CompiledPolicy
        {
            Version = overlay is null ? document.Version : $"{document.Version}+{overlay.Name}",
            Weights = document.Weights,
            Factors = document.Factors,
            TrustedNetworks = [.. networks],
            Resources = resources.ToFrozenDictionary(StringComparer.Ordinal),
            Document = document,
            Overlay = overlay,
        }, []);
    }

    private static T? Parse<T>(string json, string what, List<string> errors)
        where T : class
    {
        try
        {
            var value = JsonSerializer.Deserialize<T>(json, JsonOptions);
            if (value is null)
            {
                errors.Add($"{what}: the document is empty (null).");
            }

            return value;
        }
        catch (JsonException ex)
        {
            // The serializer's message names the path and the problem (missing member, unknown member, bad type).
            errors.Add($"{what}: {ex.Message}");
            return null;
        }
    }

    private static void ValidateWeights(TrustWeights weights, List<string> errors)
    {
        int[] all = [weights.Authentication, weights.SessionAge, weights.Device, weights.Network, weights.TimeOfDay,
            weights.FailedLogins, weights.RequestRate];
        if (all.Any(w => w < 0))
        {
            errors.Add("weights: every weight must be 0 or more.");
        }

        if (all.Sum() != 100)
        {
            errors.Add($"weights: the weights must add up to 100 (they add up to {all.Sum()}).");
        }
    }

    private static void ValidateFactors(FactorSettings factors, List<string> errors)
    {
        Fraction("factors.authentication.passwordOnly", factors.Authentication.PasswordOnly, errors);
        Fraction("factors.device.unmanaged", factors.Device.Unmanaged, errors);
        Fraction("factors.device.unknown", factors.Device.Unknown, errors);
        Fraction("factors.network.untrusted", factors.Network.Untrusted, errors);
        Fraction("factors.timeOfDay.offHours", factors.TimeOfDay.OffHours, errors);

        if (factors.SessionAge.FullTrustSeconds < 0 || factors.SessionAge.MaxSeconds <= factors.SessionAge.FullTrustSeconds)
        {
            errors.Add("factors.sessionAge: need 0 <= fullTrustSeconds < maxSeconds.");
        }

        if (factors.TimeOfDay.StartHourUtc is < 0 or > 23 || factors.TimeOfDay.EndHourUtc is < 1 or > 24
            || factors.TimeOfDay.StartHourUtc >= factors.TimeOfDay.EndHourUtc)
        {
            errors.Add("factors.timeOfDay: need 0 <= startHourUtc < endHourUtc <= 24.");
        }

        if (factors.FailedLogins.Max < 1)
        {
            errors.Add("factors.failedLogins.max: must be 1 or more.");
        }

        if (factors.RequestRate.NormalPerMinute < 0 || factors.RequestRate.MaxPerMinute <= factors.RequestRate.NormalPerMinute)
        {
            errors.Add("factors.requestRate: need 0 <= normalPerMinute < maxPerMinute.");
        }
    }

    private static void Fraction(string path, double value, List<string> errors)
    {
        if (double.IsNaN(value) || value is < 0 or > 1)
        {
            errors.Add($"{path}: must be between 0 and 1.");
        }
    }

    private static List<IPNetwork> ParseNetworks(IReadOnlyList<string> ranges, string path, List<string> errors)
    {
        var networks = new List<IPNetwork>(ranges.Count);
        for (var i = 0; i < ranges.Count; i++)
        {
            if (ranges[i] is null)
            {
                errors.Add($"{path}[{i}]: must be a CIDR range, not null.");
                continue;
            }

            // IPNetwork.TryParse masks host bits away in .NET 10; a range written with them is a mistake.
            if (IPNetwork.TryParse(ranges[i], out var network)
                && IPAddress.TryParse(ranges[i].AsSpan(0, Math.Max(0, ranges[i].IndexOf('/'))), out var written)
                && written.Equals(network.BaseAddress))
            {
                networks.Add(network);
            }
            else
            {
                errors.Add($"{path}[{i}]: '{ranges[i]}' is not a CIDR range (e.g. 10.0.0.0/8) with no host bits set.");
            }
        }

        return networks;
    }

    private static bool ValidateRule(string path, ResourceRuleDocument rule, List<string> errors)
    {
        var before = errors.Count;
        if (rule.Actions.Contains(null!) || rule.Roles.Contains(null!) || rule.OwnerOnlyRoles.Contains(null!) || rule.Obligations.Contains(null!))
        {
            errors.Add($"{path}: lists must not contain null.");
            return false;
        }

        if (rule.Actions.Count == 0 || rule.Actions.Any(a => !IdentifierPattern().IsMatch(a)))
        {
            errors.Add($"{path}.actions: at least one action, each a lowercase identifier.");
        }

        if (rule.Roles.Count == 0)
        {
            errors.Add($"{path}.roles: at least one role.");
        }

        foreach (var role in rule.Roles.Concat(rule.OwnerOnlyRoles).Where(r => !KnownRoles.Contains(r)).Distinct())
        {
            errors.Add($"{path}: unknown role '{role}' (known: {string.Join(", ", KnownRoles.Order())}).");
        }

        foreach (var role in rule.OwnerOnlyRoles.Where(r => KnownRoles.Contains(r) && !rule.Roles.Contains(r)))
        {
            errors.Add($"{path}.ownerOnlyRoles: '{role}' is not in roles.");
        }

        if (rule.MinTrustScore is < 0 or > 100)
        {
            errors.Add($"{path}.minTrustScore: must be between 0 and 100.");
        }

        if (rule.Obligations.Any(o => !IdentifierPattern().IsMatch(o)))
        {
            errors.Add($"{path}.obligations: each obligation is a lowercase identifier.");
        }

        return errors.Count == before;
    }

    [GeneratedRegex("^[a-z0-9_-]{1,64}$")]
    private static partial Regex IdentifierPattern();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex VersionPattern();
}
