using System.Text.RegularExpressions;
using HealthcareCms.Workflows.Pipeline;

namespace HealthcareCms.Workflows.Rules;

/// <summary>A validation rule: its stable id and its message in Portuguese and English.</summary>
public sealed record RuleDefinition(string Id, string MessagePt, string MessageEn)
{
    /// <summary>The message stored with a finding: Portuguese first, then English.</summary>
    public string Message => $"{MessagePt} / {MessageEn}";

    public Finding At(int start, int length) => new(Id, Message, start, length);

    public Finding At(Match match) => new(Id, Message, match.Index, match.Length);

    public Finding At(Group group) => new(Id, Message, group.Index, group.Length);

    /// <summary>A finding about the byline, which has no position in the text.</summary>
    public Finding Unpositioned() => new(Id, Message, 0, 0);
}

/// <summary>A validation stage built from rules (<c>lgpd</c>, <c>medical</c>, <c>cfm</c>).</summary>
public interface IRuleStage
{
    string Name { get; }

    IReadOnlyList<RuleDefinition> Rules { get; }

    IReadOnlyList<Finding> Evaluate(WorkflowDocument document);
}

internal static class TextScan
{
    public const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.IgnoreCase;

    /// <summary>The sentence around <paramref name="index"/> (bounded by . ! ? or a line break).</summary>
    public static (int Start, int End) SentenceAround(string text, int index)
    {
        var start = index;
        while (start > 0 && !IsSentenceEnd(text[start - 1]))
        {
            start--;
        }

        var end = index;
        while (end < text.Length && !IsSentenceEnd(text[end]))
        {
            end++;
        }

        return (start, end);
    }

    /// <summary>The paragraph around <paramref name="index"/> (bounded by blank lines).</summary>
    public static (int Start, int End) ParagraphAround(string text, int index)
    {
        var start = text.LastIndexOf("\n\n", Math.Max(0, index), StringComparison.Ordinal);
        var end = text.IndexOf("\n\n", index, StringComparison.Ordinal);
        return (start < 0 ? 0 : start + 2, end < 0 ? text.Length : end);
    }

    public static string Slice(string text, (int Start, int End) range) => text[range.Start..range.End];

    private static bool IsSentenceEnd(char c) => c is '.' or '!' or '?' or '\n';
}
