namespace HealthcareCms.Api.Phi;

/// <summary>Brazilian CPF: 11 digits, the last two are mod-11 check digits; repeated-digit numbers are invalid.</summary>
public static class Cpf
{
    /// <summary>Returns the 11 digits of a valid CPF (punctuation "123.456.789-09" accepted), or null.</summary>
    public static string? Normalize(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > 14)
        {
            return null;
        }

        Span<char> digits = stackalloc char[11];
        var count = 0;
        foreach (var c in value)
        {
            if (char.IsAsciiDigit(c))
            {
                if (count == 11)
                {
                    return null;
                }

                digits[count++] = c;
            }
            else if (c is not ('.' or '-' or ' '))
            {
                return null;
            }
        }

        if (count != 11 || digits.IndexOfAnyExcept(digits[0]) < 0)
        {
            return null;
        }

        return CheckDigit(digits[..9]) == digits[9] - '0' && CheckDigit(digits[..10]) == digits[10] - '0'
            ? new string(digits)
            : null;
    }

    public static bool IsValid(string? value) => Normalize(value) is not null;

    private static int CheckDigit(ReadOnlySpan<char> digits)
    {
        var sum = 0;
        var weight = digits.Length + 1;
        foreach (var digit in digits)
        {
            sum += (digit - '0') * weight--;
        }

        var remainder = sum % 11;
        return remainder < 2 ? 0 : 11 - remainder;
    }
}
