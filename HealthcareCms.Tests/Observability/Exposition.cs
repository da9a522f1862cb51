using System.Net.Http.Headers;
using System.Text;
using HealthcareCms.Tests.Infrastructure;

namespace HealthcareCms.Tests.Observability;

/// <summary>One sample line of a Prometheus text exposition: series name, labels, value.</summary>
public sealed record ExposedSample(string Name, IReadOnlyDictionary<string, string> Labels, string Value);

/// <summary>Scrapes a service's management <c>/metrics</c> and parses the classic text format.</summary>
public static class Exposition
{
    public static async Task<IReadOnlyList<ExposedSample>> ScrapeAsync(AppHostFixture fixture, string service)
    {
        using var management = fixture.CreateClient(service, "management");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("text/plain; version=0.0.4"));
        using var response = await management.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return Parse(await response.Content.ReadAsStringAsync());
    }

    public static IReadOnlyList<ExposedSample> Parse(string text)
    {
        var samples = new List<ExposedSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            samples.Add(ParseLine(line));
        }

        return samples;
    }

    private static ExposedSample ParseLine(string line)
    {
        var brace = line.IndexOf('{');
        var space = line.IndexOf(' ');
        if (brace < 0 || (space >= 0 && space < brace))
        {
            return new ExposedSample(line[..space], new Dictionary<string, string>(), line[(space + 1)..].Split(' ')[0]);
        }

        var name = line[..brace];
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = brace + 1;
        while (line[i] != '}')
        {
            var equals = line.IndexOf('=', i);
            var key = line[i..equals].Trim();
            i = equals + 2; // skip ="
            var value = new StringBuilder();
            while (line[i] != '"')
            {
                if (line[i] == '\\')
                {
                    i++;
                    value.Append(line[i] == 'n' ? '\n' : line[i]);
                }
                else
                {
                    value.Append(line[i]);
                }

                i++;
            }

            labels[key] = value.ToString();
            i++; // closing quote
            if (line[i] == ',')
            {
                i++;
            }
        }

        var rest = line[(i + 1)..].Trim();
        return new ExposedSample(name, labels, rest.Split(' ')[0]);
    }
}
