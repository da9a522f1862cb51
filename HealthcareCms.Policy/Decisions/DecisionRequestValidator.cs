using System.Net;
using System.Text.RegularExpressions;
using HealthcareCms.Policy.Policies;

namespace HealthcareCms.Policy.Decisions;

/// <summary>
/// Checks a decision request's shape before it is evaluated (bad input → 400). What the policy decides
/// (unknown resource type, action not in the rule, role not permitted) is not a shape error: it is a deny.
/// </summary>
public static partial class DecisionRequestValidator
{
    public const int MaxIdLength = 128;

    public static Dictionary<string, string[]> Validate(DecisionRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        ValidateSubject(request.Subject, errors);

        if (request.Resource is null)
        {
            errors["resource"] = ["The resource is required."];
        }
        else
        {
            if (string.IsNullOrWhiteSpace(request.Resource.Type))
            {
                errors["resource.type"] = ["The resource type is required."];
            }
            else if (!CodePattern().IsMatch(request.Resource.Type))
            {
                errors["resource.type"] = ["The resource type is a lowercase code (a-z, '_', up to 64 characters)."];
            }

            if (request.Resource.Id is { Length: 0 or > MaxIdLength })
            {
                errors["resource.id"] = [$"The resource id, when given, has 1 to {MaxIdLength} characters."];
            }

            if (request.Resource.OwnerId is { Length: 0 or > MaxIdLength })
            {
                errors["resource.ownerId"] = [$"The owner id, when given, has 1 to {MaxIdLength} characters."];
            }
        }

        if (string.IsNullOrWhiteSpace(request.Action))
        {
            errors["action"] = ["The action is required."];
        }
        else if (!CodePattern().IsMatch(request.Action))
        {
            errors["action"] = ["The action is a lowercase code (a-z, '_', up to 64 characters)."];
        }

        ValidateContext(request.Context, errors);
        return errors;
    }

    private static void ValidateSubject(DecisionSubject? subject, Dictionary<string, string[]> errors)
    {
        if (subject is null)
        {
            errors["subject"] = ["The subject is required."];
            return;
        }

        if (string.IsNullOrWhiteSpace(subject.Id) || subject.Id.Length > MaxIdLength)
        {
            errors["subject.id"] = [$"The subject id is required (up to {MaxIdLength} characters)."];
        }

        if (subject.Status is not ("active" or "disabled"))
        {
            errors["subject.status"] = ["The subject status must be 'active' or 'disabled'."];
        }

        if (subject.Roles is null)
        {
            errors["subject.roles"] = ["The roles are required (an empty list when the subject has none)."];
        }
        else if (subject.Roles.Any(r => r is null || !PolicyCompiler.KnownRoles.Contains(r)))
        {
            errors["subject.roles"] = [$"Each role is one of: {string.Join(", ", PolicyCompiler.KnownRoles.Order())}."];
        }

        if (subject.Amr is null)
        {
            errors["subject.amr"] = ["The authentication methods (amr) are required (an empty list when none)."];
        }

        if (subject.SessionAgeSeconds < 0)
        {
            errors["subject.sessionAgeSeconds"] = ["The session age cannot be negative."];
        }

        if (subject.RecentFailedLogins < 0)
        {
            errors["subject.recentFailedLogins"] = ["The failed login count cannot be negative."];
        }
    }

    private static void ValidateContext(DecisionContext? context, Dictionary<string, string[]> errors)
    {
        if (context is null)
        {
            errors["context"] = ["The context is required."];
            return;
        }

        if (string.IsNullOrWhiteSpace(context.Ip) || !IPAddress.TryParse(context.Ip, out _))
        {
            errors["context.ip"] = ["The client IP address is required (IPv4 or IPv6)."];
        }

        if (context.Time is null)
        {
            errors["context.time"] = ["The request time is required (ISO 8601 with offset)."];
        }

        if (context.DeviceId is { Length: 0 or > MaxIdLength })
        {
            errors["context.deviceId"] = [$"The device id, when given, has 1 to {MaxIdLength} characters."];
        }

        if (context.RequestRatePerMinute < 0)
        {
            errors["context.requestRatePerMinute"] = ["The request rate cannot be negative."];
        }
    }

    [GeneratedRegex("^[a-z_]{1,64}$")]
    private static partial Regex CodePattern();
}
