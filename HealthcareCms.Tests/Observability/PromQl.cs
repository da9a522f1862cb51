namespace HealthcareCms.Tests.Observability;

public sealed record LabelMatcher(string Label, string Operator, string Value)
{
    public bool IsPositive => Operator is "=" or "=~";

    /// <summary>The literal values an equality matcher or a plain alternation (<c>a|b</c>) accepts; null for a real regex.</summary>
    public IReadOnlyList<string>? LiteralValues =>
        Operator == "=" ? [Value]
        : Operator == "=~" && Value.All(c => char.IsLetterOrDigit(c) || c is '_' or '|' or '-') ? Value.Split('|')
        : null;
}

public sealed record SeriesSelector(string Metric, IReadOnlyList<LabelMatcher> Matchers)
{
    public override string ToString() =>
        Matchers.Count == 0 ? Metric : $"{Metric}{{{string.Join(", ", Matchers.Select(m => $"{m.Label}{m.Operator}\"{m.Value}\""))}}}";
}

/// <summary>
/// A small PromQL scanner that finds the series selectors of an expression (metric name and label
/// matchers), skipping functions, aggregation operators, keyword label lists, strings, numbers and
/// range/subquery brackets. Parse errors are Prometheus's job (the live test asks it); this only has to
/// find what an expression reads.
/// </summary>
public static class PromQl
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile",
        "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan",
    };

    private static readonly HashSet<string> LabelListKeywords = new(StringComparer.Ordinal)
        { "by", "without", "on", "ignoring", "group_left", "group_right" };

    public static IReadOnlyList<SeriesSelector> Selectors(string expr)
    {
        var selectors = new List<SeriesSelector>();
        var i = 0;
        while (i < expr.Length)
        {
            var c = expr[i];
            if (c is '"' or '\'' or '`')
            {
                i = SkipString(expr, i);
            }
            else if (c == '[')
            {
                i = expr.IndexOf(']', i) + 1;
            }
            else if (char.IsDigit(c) || (c == '.' && i + 1 < expr.Length && char.IsDigit(expr[i + 1])))
            {
                while (i < expr.Length && (char.IsLetterOrDigit(expr[i]) || expr[i] == '.'))
                {
                    i++;
                }
            }
            else if (char.IsLetter(c) || c is '_' or ':')
            {
                var start = i;
                while (i < expr.Length && (char.IsLetterOrDigit(expr[i]) || expr[i] is '_' or ':'))
                {
                    i++;
                }

                var identifier = expr[start..i];
                var next = SkipSpaces(expr, i);
                if (Keywords.Contains(identifier))
                {
                    if (LabelListKeywords.Contains(identifier) && next < expr.Length && expr[next] == '(')
                    {
                        i = expr.IndexOf(')', next) + 1;
                    }
                }
                else if (next < expr.Length && expr[next] == '(')
                {
                    i = next; // a function call: its arguments are scanned as the loop goes on
                }
                else if (next < expr.Length && expr[next] == '{')
                {
                    (var matchers, i) = ParseMatchers(expr, next);
                    selectors.Add(new SeriesSelector(identifier, matchers));
                }
                else
                {
                    selectors.Add(new SeriesSelector(identifier, []));
                }
            }
            else
            {
                i++;
            }
        }

        return selectors;
    }

    private static (IReadOnlyList<LabelMatcher>, int) ParseMatchers(string expr, int open)
    {
        var matchers = new List<LabelMatcher>();
        var i = open + 1;
        while (true)
        {
            i = SkipSpaces(expr, i);
            if (expr[i] == '}')
            {
                return (matchers, i + 1);
            }

            if (expr[i] == ',')
            {
                i++;
                continue;
            }

            var start = i;
            while (char.IsLetterOrDigit(expr[i]) || expr[i] == '_')
            {
                i++;
            }

            var label = expr[start..i];
            i = SkipSpaces(expr, i);
            var op = expr[i..(i + 2)] is "!=" or "=~" or "!~" ? expr[i..(i + 2)] : "=";
            i = SkipSpaces(expr, i + op.Length);
            var end = SkipString(expr, i);
            matchers.Add(new LabelMatcher(label, op, System.Text.RegularExpressions.Regex.Unescape(expr[(i + 1)..(end - 1)])));
            i = end;
        }
    }

    private static int SkipString(string expr, int i)
    {
        var quote = expr[i++];
        while (expr[i] != quote)
        {
            i += expr[i] == '\\' ? 2 : 1;
        }

        return i + 1;
    }

    private static int SkipSpaces(string expr, int i)
    {
        while (i < expr.Length && char.IsWhiteSpace(expr[i]))
        {
            i++;
        }

        return i;
    }
}
