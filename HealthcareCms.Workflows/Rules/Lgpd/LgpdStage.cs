using System.Text.RegularExpressions;
using HealthcareCms.Workflows.Pipeline;

namespace HealthcareCms.Workflows.Rules.Lgpd;

/// <summary>
/// LGPD: personal data that must not be published. Each finding carries only the rule id and the
/// position; the matched value is never copied into a finding message, a log line or a metric.
/// </summary>
public sealed partial class LgpdStage : IRuleStage
{
    public static readonly RuleDefinition Cpf = new("LGPD-CPF",
        "CPF identificado no texto; remova o número do documento.",
        "A CPF number was found in the text; remove it.");

    public static readonly RuleDefinition Cns = new("LGPD-CNS",
        "Número do Cartão Nacional de Saúde (CNS) identificado; remova-o.",
        "A national health card (CNS) number was found; remove it.");

    public static readonly RuleDefinition Rg = new("LGPD-RG",
        "Número de RG identificado; remova-o.",
        "An identity card (RG) number was found; remove it.");

    public static readonly RuleDefinition Phone = new("LGPD-PHONE",
        "Número de telefone identificado; não publique telefones de pacientes.",
        "A phone number was found; do not publish patients' phone numbers.");

    public static readonly RuleDefinition Email = new("LGPD-EMAIL",
        "Endereço de e-mail identificado; remova-o.",
        "An email address was found; remove it.");

    public static readonly RuleDefinition BirthDate = new("LGPD-BIRTHDATE",
        "Data de nascimento completa próxima a contexto de paciente; use apenas a idade ou a faixa etária.",
        "A full date of birth near a patient context; give the age or age range only.");

    public static readonly RuleDefinition PatientName = new("LGPD-PATIENT-NAME",
        "Nome de paciente em relato de caso; use iniciais ou um pseudônimo.",
        "A patient's name in a case narrative; use initials or a pseudonym.");

    public string Name => "lgpd";

    public IReadOnlyList<RuleDefinition> Rules { get; } = [Cpf, Cns, Rg, Phone, Email, BirthDate, PatientName];

    public IReadOnlyList<Finding> Evaluate(WorkflowDocument document)
    {
        var text = document.Text;
        var findings = new List<Finding>();
        var taken = new List<(int Start, int End)>();

        void Add(RuleDefinition rule, int start, int length)
        {
            findings.Add(rule.At(start, length));
            taken.Add((start, start + length));
        }

        bool Overlaps(Match m) => taken.Any(t => m.Index < t.End && t.Start < m.Index + m.Length);

        foreach (Match m in CnsPattern().Matches(text))
        {
            if (IsValidCns(Digits(m.Value)))
            {
                Add(Cns, m.Index, m.Length);
            }
        }

        foreach (Match m in CpfPattern().Matches(text))
        {
            if (!Overlaps(m) && IsValidCpf(Digits(m.Value)))
            {
                Add(Cpf, m.Index, m.Length);
            }
        }

        foreach (Match m in RgPattern().Matches(text))
        {
            var number = m.Groups["number"];
            if (!taken.Any(t => number.Index < t.End && t.Start < number.Index + number.Length))
            {
                Add(Rg, number.Index, number.Length);
            }
        }

        foreach (Match m in EmailPattern().Matches(text))
        {
            Add(Email, m.Index, m.Length);
        }

        foreach (Match m in PhonePattern().Matches(text))
        {
            if (!Overlaps(m) && Digits(m.Value).Length is >= 8 and <= 13)
            {
                Add(Phone, m.Index, m.Length);
            }
        }

        foreach (Match m in DatePattern().Matches(text))
        {
            var windowStart = Math.Max(0, m.Index - 80);
            var windowEnd = Math.Min(text.Length, m.Index + m.Length + 40);
            if (PatientContextPattern().IsMatch(text.AsSpan(windowStart, windowEnd - windowStart)))
            {
                Add(BirthDate, m.Index, m.Length);
            }
        }

        foreach (Match m in PatientNamePattern().Matches(text))
        {
            var name = m.Groups["name"];
            if (!NotNames().IsMatch(name.Value))
            {
                Add(PatientName, name.Index, name.Length);
            }
        }

        return findings;
    }

    /// <summary>CPF: 11 digits, not all equal, both check digits valid (mod 11).</summary>
    public static bool IsValidCpf(string digits)
    {
        if (digits.Length != 11 || digits.All(c => c == digits[0]))
        {
            return false;
        }

        return CheckDigit(digits, 9) == digits[9] - '0' && CheckDigit(digits, 10) == digits[10] - '0';

        static int CheckDigit(string d, int count)
        {
            var sum = 0;
            for (var i = 0; i < count; i++)
            {
                sum += (d[i] - '0') * (count + 1 - i);
            }

            var rest = sum * 10 % 11;
            return rest == 10 ? 0 : rest;
        }
    }

    /// <summary>CNS: 15 digits starting with 1, 2, 7, 8 or 9 whose weighted sum (weights 15..1) is divisible by 11.</summary>
    public static bool IsValidCns(string digits)
    {
        if (digits.Length != 15 || digits[0] is not ('1' or '2' or '7' or '8' or '9'))
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < 15; i++)
        {
            sum += (digits[i] - '0') * (15 - i);
        }

        return sum % 11 == 0;
    }

    private static string Digits(string value) => string.Concat(value.Where(char.IsAsciiDigit));

    [GeneratedRegex(@"(?<![\d.-])\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?![\d])", RegexOptions.CultureInvariant)]
    private static partial Regex CpfPattern();

    [GeneratedRegex(@"(?<!\d)[1-2789]\d{2}[ .]?\d{4}[ .]?\d{4}[ .]?\d{4}(?!\d)", RegexOptions.CultureInvariant)]
    private static partial Regex CnsPattern();

    [GeneratedRegex(@"\bRG\b\s*(?:n[º°o.]?\s*)?:?\s*(?<number>\d{1,2}\.?\d{3}\.?\d{3}-?[\dXx])(?![\d])", RegexOptions.CultureInvariant)]
    private static partial Regex RgPattern();

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"(?<![\d\w])(?:\+55\s?)?(?:\(\d{2}\)\s?|\d{2}\s)?9?\d{4}[-\s]\d{4}(?!\d)", RegexOptions.CultureInvariant)]
    private static partial Regex PhonePattern();

    [GeneratedRegex(@"(?<!\d)(?:[0-3]?\d[/.-][01]?\d[/.-](?:19|20)\d{2}|[0-3]?\d de (?:janeiro|fevereiro|março|marco|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro) de (?:19|20)\d{2})(?!\d)",
        TextScan.Options)]
    private static partial Regex DatePattern();

    [GeneratedRegex(@"\b(?:paciente|nascid[oa]|nascimento|DN|data de nasc|born|birth|patient)\b", TextScan.Options)]
    private static partial Regex PatientContextPattern();

    [GeneratedRegex(@"\b(?:[Oo]|[Aa]|[Dd][oa])?\s*(?:[Pp]aciente|[Pp]atient|Sr\.|Sra\.|Dona|Seu)\s+(?<name>\p{Lu}\p{Ll}+(?:\s+(?:(?:da|de|do|dos|das|e)\s+)?\p{Lu}\p{Ll}+)*)",
        RegexOptions.CultureInvariant)]
    private static partial Regex PatientNamePattern();

    /// <summary>Capitalised words that follow "paciente" without being a name.</summary>
    [GeneratedRegex(@"^(?:Pediátric[oa]|Adult[oa]|Idos[oa]|Gestante|Diabétic[oa]|Hipertens[oa]|Oncológic[oa]|Masculino|Feminino|Zero)$",
        RegexOptions.CultureInvariant)]
    private static partial Regex NotNames();
}
