using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace HealthcareCms.Tests.Infrastructure;

/// <summary>One sample line of a Prometheus text exposition: series name, labels, value.</summary>
public sealed record ExposedSample(string Name, IReadOnlyDictionary<string, string> Labels, string Value)
{
    public double Number => double.Parse(Value, CultureInfo.InvariantCulture);

    /// <summary>The labels without the exporter's <c>otel_scope_*</c> ones: the instrument's own tags.</summary>
    public IReadOnlyDictionary<string, string> OwnLabels =>
        Labels.Where(l => !l.Key.StartsWith("otel_scope_", StringComparison.Ordinal)).ToDictionary(StringComparer.Ordinal);

    public bool Matches(string series, (string Key, string Value)[] labels) =>
        Name == series && labels.All(l => Labels.TryGetValue(l.Key, out var value) && value == l.Value);
}

/// <summary>
/// A service's <c>/metrics</c> (management port, classic text format) read by the tests, and the samples in it.
/// The one place tests scrape and parse the exposition.
/// </summary>
public static class MetricsScrape
{
    /// <summary>Longer than the exporter's scrape-response cache: a scrape after this sees what came before it.</summary>
    private static readonly TimeSpan ExporterCache = TimeSpan.FromSeconds(1.2);

    /// <param name="fresh">Wait out the exporter's response cache first, so the scrape reflects everything done so far.</param>
    public static async Task<string> ScrapeAsync(AppHostFixture fixture, string service = "api", bool fresh = false)
    {
        if (fresh)
        {
            await Task.Delay(ExporterCache);
        }

        using var management = fixture.CreateClient(service, "management");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("text/plain; version=0.0.4"));
        using var response = await management.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    public static async Task<IReadOnlyList<ExposedSample>> ScrapeSamplesAsync(AppHostFixture fixture, string service) =>
        Parse(await ScrapeAsync(fixture, service));

    /// <summary>Every sample of <paramref name="series"/> carrying all <paramref name="labels"/>.</summary>
    public static IReadOnlyList<ExposedSample> Samples(string exposition, string series, params (string Key, string Value)[] labels) =>
        Parse(exposition).Where(s => s.Matches(series, labels)).ToList();

    /// <summary>The sum of every sample of <paramref name="series"/> carrying all <paramref name="labels"/> (0 when none).</summary>
    public static double Sample(string exposition, string series, params (string Key, string Value)[] labels) =>
        Samples(exposition, series, labels).Sum(s => s.Number);

    public static bool HasSample(string exposition, string series, params (string Key, string Value)[] labels) =>
        Samples(exposition, series, labels).Count > 0;

    /// <summary>Waits until the Api's series grew past <paramref name="before"/> (the exporter reads instruments on scrape).</summary>
    public static async Task<double> WaitForIncreaseAsync(
        AppHostFixture fixture, double before, string series, params (string Key, string Value)[] labels)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        double now;
        do
        {
            now = Sample(await ScrapeAsync(fixture), series, labels);
            if (now > before)
            {
                return now;
            }

            await Task.Delay(250);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"{series}{{{string.Join(",", labels.Select(l => $"{l.Key}={l.Value}"))}}} stayed at {now}.");
    }

    public static IReadOnlyList<ExposedSample> Parse(string text)
    {
        var samples = new List<ExposedSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                samples.Add(ParseLine(line));
            }
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
