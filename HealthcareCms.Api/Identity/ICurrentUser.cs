namespace HealthcareCms.Api.Identity;

/// <summary>The caller as the access token describes it (CONTRACTS §1). Identity owns this file.</summary>
public interface ICurrentUser
{
    Guid? Id { get; }

    string? Role { get; }

    bool HasMfa { get; }

    string? SessionId { get; }

    DateTimeOffset? SessionStartedAt { get; }

    bool IsAuthenticated { get; }
}
