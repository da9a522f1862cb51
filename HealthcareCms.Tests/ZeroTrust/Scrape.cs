using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using HealthcareCms.Tests.Infrastructure;

namespace HealthcareCms.Tests.ZeroTrust;

/// <summary>Reads a service's Prometheus exposition (management port) and the series in it.</summary>
public static partial class Scrape
{
    public static async Task<string> MetricsAsync(AppHostFixture fixture, string service)
    {
        // The exporter caches a scrape briefly; wait for one taken after the traffic before it.
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        using var management = fixture.CreateClient(service, "management");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("text/plain; version=0.0.4"));
        using var response = await management.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Every sample of <paramref name="series"/> as (labels, value); otel_scope_* labels left out.</summary>
    public static IReadOnlyList<(Dictionary<string, string> Labels, double Value)> Samples(string exposition, string series) =>
        exposition.Split('\n')
            .Where(line => line.StartsWith(series + "{", StringComparison.Ordinal) || line.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(line =>
            {
                var labels = LabelPattern().Matches(line)
                    .Where(m => !m.Groups[1].Value.StartsWith("otel_scope_", StringComparison.Ordinal))
                    .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
                var value = line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
                return (labels, double.Parse(value, CultureInfo.InvariantCulture));
            })
            .ToList();

    public static double Sum(string exposition, string series, params (string Key, string Value)[] match) =>
        Samples(exposition, series).Where(s => match.All(m => s.Labels.GetValueOrDefault(m.Key) == m.Value)).Sum(s => s.Value);

    [GeneratedRegex("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"")]
    private static partial Regex LabelPattern();
}
