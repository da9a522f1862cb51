using System.Collections.Frozen;

namespace HealthcareCms.Api.Identity;

/// <summary>
/// NIST 800-63B / ASVS 2.1: 8–128 characters (Unicode code points, spaces allowed), no composition rules,
/// and not one of the most common passwords (a list bundled as an embedded resource, compared
/// case-insensitively), nor the account's own email.
/// </summary>
public sealed class PasswordPolicy
{
    public const int MinLength = 8;
    public const int MaxLength = 128;
    public const string CommonPasswordsResource = "HealthcareCms.Api.Identity.common-passwords.txt";

    private static readonly Lazy<FrozenSet<string>> Common = new(LoadCommonPasswords);

    public static int CommonPasswordCount => Common.Value.Count;

    /// <summary>The reason the password is refused, or null when it is acceptable.</summary>
    public string? Check(string? password, string? email = null)
    {
        if (string.IsNullOrEmpty(password))
        {
            return "A password is required.";
        }

        var length = password.EnumerateRunes().Count();
        if (length < MinLength || length > MaxLength)
        {
            return $"The password must be {MinLength} to {MaxLength} characters long.";
        }

        if (Common.Value.Contains(password))
        {
            return "This password is too common; choose another.";
        }

        if (email is not null && string.Equals(password.Trim(), email.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            return "The password must not be the email address.";
        }

        return null;
    }

    private static FrozenSet<string> LoadCommonPasswords()
    {
        using var stream = typeof(PasswordPolicy).Assembly.GetManifestResourceStream(CommonPasswordsResource)
            ?? throw new InvalidOperationException($"The embedded resource {CommonPasswordsResource} is missing.");
        using var reader = new StreamReader(stream);
        var passwords = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                passwords.Add(line);
            }
        }

        return passwords.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    }
}
