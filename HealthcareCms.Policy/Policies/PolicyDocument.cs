namespace HealthcareCms.Policy.Policies;

/// <summary>
/// The policy file (<c>policies/policy.json</c>), as written. Every member is required; unknown members are
/// rejected (a typo must not silently fall back to a default). <see cref="PolicyCompiler"/> validates the
/// values and turns a document into the <see cref="CompiledPolicy"/> the engine evaluates.
/// </summary>
public sealed record PolicyDocument
{
    public required string Version { get; init; }

    /// <summary>Points per trust factor; they add up to 100.</summary>
    public required TrustWeights Weights { get; init; }

    public required FactorSettings Factors { get; init; }

    /// <summary>CIDR ranges whose addresses count as a trusted network.</summary>
    public required IReadOnlyList<string> TrustedNetworks { get; init; }

    /// <summary>Rules per resource type; a type that is not here is denied.</summary>
    public required IReadOnlyDictionary<string, ResourceRuleDocument> Resources { get; init; }
}

public sealed record TrustWeights
{
    public required int Authentication { get; init; }
    public required int SessionAge { get; init; }
    public required int Device { get; init; }
    public required int Network { get; init; }
    public required int TimeOfDay { get; init; }
    public required int FailedLogins { get; init; }
    public required int RequestRate { get; init; }
}

public sealed record FactorSettings
{
    public required AuthenticationFactor Authentication { get; init; }
    public required SessionAgeFactor SessionAge { get; init; }
    public required DeviceFactor Device { get; init; }
    public required NetworkFactor Network { get; init; }
    public required TimeOfDayFactor TimeOfDay { get; init; }
    public required FailedLoginsFactor FailedLogins { get; init; }
    public required RequestRateFactor RequestRate { get; init; }
}

/// <summary>MFA (amr <c>mfa</c> or <c>otp</c>) earns the full weight; a password alone earns <see cref="PasswordOnly"/>.</summary>
public sealed record AuthenticationFactor
{
    public required double PasswordOnly { get; init; }
}

/// <summary>Full weight up to <see cref="FullTrustSeconds"/>, falling linearly to 0 at <see cref="MaxSeconds"/>;
/// older sessions are denied (<c>session_too_old</c>).</summary>
public sealed record SessionAgeFactor
{
    public required long FullTrustSeconds { get; init; }
    public required long MaxSeconds { get; init; }
}

/// <summary>A managed device earns the full weight, a known unmanaged one <see cref="Unmanaged"/>, no device id <see cref="Unknown"/>.</summary>
public sealed record DeviceFactor
{
    public required double Unmanaged { get; init; }
    public required double Unknown { get; init; }
}

/// <summary>A trusted network earns the full weight, any other <see cref="Untrusted"/>.</summary>
public sealed record NetworkFactor
{
    public required double Untrusted { get; init; }
}

/// <summary>Business hours are <c>[StartHourUtc, EndHourUtc)</c> and earn the full weight; other hours <see cref="OffHours"/>.</summary>
public sealed record TimeOfDayFactor
{
    public required int StartHourUtc { get; init; }
    public required int EndHourUtc { get; init; }
    public required double OffHours { get; init; }
}

/// <summary>0 recent failures earns the full weight, falling linearly to 0 at <see cref="Max"/>, which is denied
/// (<c>too_many_failed_logins</c>).</summary>
public sealed record FailedLoginsFactor
{
    public required int Max { get; init; }
}

/// <summary>Full weight up to <see cref="NormalPerMinute"/>, falling linearly to 0 at <see cref="MaxPerMinute"/>;
/// above it the request is denied (<c>request_rate_exceeded</c>).</summary>
public sealed record RequestRateFactor
{
    public required int NormalPerMinute { get; init; }
    public required int MaxPerMinute { get; init; }
}

public sealed record ResourceRuleDocument
{
    /// <summary>Actions the rule covers (<c>read</c>, <c>list</c>, ...); any other action is denied.</summary>
    public required IReadOnlyList<string> Actions { get; init; }

    /// <summary>Roles that may act at all; others are denied (<c>role_not_permitted</c>).</summary>
    public required IReadOnlyList<string> Roles { get; init; }

    public required int MinTrustScore { get; init; }

    public required bool RequireMfa { get; init; }

    /// <summary>Roles that may act only on resources they own (resource.ownerId = subject.id) when a resource id is given.</summary>
    public required IReadOnlyList<string> OwnerOnlyRoles { get; init; }

    public required bool RequireTrustedNetwork { get; init; }

    public required bool RequireManagedDevice { get; init; }

    public required bool BusinessHoursOnly { get; init; }

    /// <summary>Duties the enforcement point takes on with an allow (e.g. <c>audit_access</c>).</summary>
    public required IReadOnlyList<string> Obligations { get; init; }
}

/// <summary>An environment overlay (<c>policies/policy.{Environment}.json</c>): more trusted networks, and a
/// name appended to the version (<c>{version}+{name}</c>).</summary>
public sealed record PolicyOverlayDocument
{
    public required string Name { get; init; }

    public required IReadOnlyList<string> TrustedNetworks { get; init; }
}
