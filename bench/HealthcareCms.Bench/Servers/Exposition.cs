using System.Globalization;

namespace HealthcareCms.Bench.Servers;

public sealed record ExpositionSample(string Name, IReadOnlyList<KeyValuePair<string, string>> Labels, double Value);

public sealed record ExpositionFamily(string Name, string Type, string Help, List<ExpositionSample> Samples);

/// <summary>
/// Reads the Prometheus text exposition format (version 0.0.4, as served by the OpenTelemetry exporter):
/// families from <c># TYPE</c>/<c># HELP</c>, samples with their label sets and values.
/// </summary>
public static class Exposition
{
    public static IReadOnlyList<ExpositionFamily> Parse(string text)
    {
        var families = new List<ExpositionFamily>();
        var byName = new Dictionary<string, ExpositionFamily>(StringComparer.Ordinal);
        var help = new Dictionary<string, string>(StringComparer.Ordinal);
        ExpositionFamily? current = null;

        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var (name, rest) = SplitFirstWord(line[7..]);
                help[name] = rest;
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var (name, type) = SplitFirstWord(line[7..]);
                current = Family(name, type);
                continue;
            }

            if (line.StartsWith('#'))
            {
                continue;
            }

            var sample = ParseSample(line);
            if (current is null || !sample.Name.StartsWith(current.Name, StringComparison.Ordinal))
            {
                current = Family(sample.Name, "untyped");
            }

            current.Samples.Add(sample);
        }

        return families.Select(f => f with { Help = help.GetValueOrDefault(f.Name, f.Name) }).ToList();

        ExpositionFamily Family(string name, string type)
        {
            if (!byName.TryGetValue(name, out var family))
            {
                family = new ExpositionFamily(name, type, "", []);
                byName[name] = family;
                families.Add(family);
            }

            return family;
        }
    }

    public static int SeriesCount(IReadOnlyList<ExpositionFamily> families) => families.Sum(f => f.Samples.Count);

    private static (string First, string Remainder) SplitFirstWord(string text)
    {
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? (text, "") : (text[..space], text[(space + 1)..]);
    }

    private static ExpositionSample ParseSample(string line)
    {
        var labels = new List<KeyValuePair<string, string>>();
        var nameEnd = line.IndexOfAny(['{', ' ']);
        var name = line[..nameEnd];
        var position = nameEnd;
        if (line[position] == '{')
        {
            position++;
            while (line[position] != '}')
            {
                var equals = line.IndexOf('=', position);
                var key = line[position..equals].Trim(' ', ',');
                position = equals + 2; // past ="
                var value = new System.Text.StringBuilder();
                while (line[position] != '"')
                {
                    if (line[position] == '\\')
                    {
                        position++;
                        value.Append(line[position] == 'n' ? '\n' : line[position]);
                    }
                    else
                    {
                        value.Append(line[position]);
                    }

                    position++;
                }

                labels.Add(new(key, value.ToString()));
                position++; // past closing quote
                if (line[position] == ',')
                {
                    position++;
                }
            }

            position++; // past }
        }

        var fields = line[position..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var number = fields[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var v => double.Parse(v, CultureInfo.InvariantCulture),
        };
        return new ExpositionSample(name, labels, number);
    }
}
