using System.Collections.Frozen;
using System.Net;

namespace HealthcareCms.Policy.Policies;

/// <summary>A validated policy in the shape the engine evaluates fast: parsed networks, frozen sets.</summary>
public sealed class CompiledPolicy
{
    public required string Version { get; init; }

    public required TrustWeights Weights { get; init; }

    public required FactorSettings Factors { get; init; }

    public required IPNetwork[] TrustedNetworks { get; init; }

    public required FrozenDictionary<string, CompiledResourceRule> Resources { get; init; }

    /// <summary>The policy as loaded (the base document and, when present, the overlay), for <c>GET /v1/policies</c>;
    /// null for the bootstrap policy.</summary>
    public PolicyDocument? Document { get; init; }

    public PolicyOverlayDocument? Overlay { get; init; }

    public bool IsTrusted(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in TrustedNetworks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}

public sealed class CompiledResourceRule
{
    public required string ResourceType { get; init; }
    public required FrozenSet<string> Actions { get; init; }
    public required FrozenSet<string> Roles { get; init; }
    public required int MinTrustScore { get; init; }
    public required bool RequireMfa { get; init; }
    public required FrozenSet<string> OwnerOnlyRoles { get; init; }
    public required bool RequireTrustedNetwork { get; init; }
    public required bool RequireManagedDevice { get; init; }
    public required bool BusinessHoursOnly { get; init; }
    public required string[] Obligations { get; init; }
}
