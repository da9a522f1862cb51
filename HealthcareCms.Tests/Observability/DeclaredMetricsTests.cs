using System.Text.RegularExpressions;
using HealthcareCms.ServiceDefaults.Telemetry;
using HealthcareCms.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HealthcareCms.Tests.Observability;

/// <summary>
/// Declared metrics vs scraped metrics: after the traffic run (which sends personal data in paths, query
/// strings and headers), every service's /metrics is scraped and checked against MetricCatalog.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed partial class DeclaredMetricsTests(AppHostFixture fixture, ITestOutputHelper output)
{
    /// <summary>Label values that are identifiers of the process, not of a person: OpenTelemetry's random service instance id.</summary>
    private static readonly (string Metric, string Label)[] NonPersonalIdentifiers = [("target_info", "service_instance_id")];

    [Fact]
    public async Task Scraped_custom_metrics_are_declared_and_their_tags_stay_in_their_sets()
    {
        var violations = new List<string>();
        foreach (var (service, sample) in await ScrapeAllAsync())
        {
            if (!MetricContract.IsCustom(sample.Name) || sample.Name.EndsWith("_created", StringComparison.Ordinal))
            {
                continue;
            }

            if (!MetricContract.BySeriesName.TryGetValue(sample.Name, out var definition))
            {
                violations.Add($"{service}: {sample.Name} is not declared in MetricCatalog");
                continue;
            }

            foreach (var (key, value) in sample.Labels)
            {
                if (MetricContract.InfrastructureLabels.Contains(key) || (key == "le" && sample.Name.EndsWith("_bucket", StringComparison.Ordinal)))
                {
                    continue;
                }

                if (!definition.TagsByKey.TryGetValue(key, out var tag))
                {
                    violations.Add($"{service}: {sample.Name} carries undeclared tag '{key}'");
                }
                else if (value != TagGuard.OtherValue && !tag.ValueSet.Contains(value))
                {
                    violations.Add($"{service}: {sample.Name}{{{key}=\"{value}\"}} is outside the declared set");
                }
            }
        }

        Assert.True(violations.Count == 0, string.Join('\n', violations));
    }

    [Fact]
    public async Task No_label_value_of_any_metric_looks_like_personal_data()
    {
        var scraped = await ScrapeAllAsync();
        var findings = scraped
            .SelectMany(x => x.Sample.Labels
                .Where(l => !NonPersonalIdentifiers.Contains((x.Sample.Name, l.Key)))
                .Select(l => (x.Service, x.Sample.Name, l.Key, l.Value, Kind: PersonalDataKind(l.Value))))
            .Where(f => f.Kind is not null)
            .Select(f => $"{f.Service}: {f.Name}{{{f.Key}=\"{f.Value}\"}} looks like {f.Kind}")
            .Distinct()
            .ToArray();

        Assert.True(scraped.Count > 100, "the scrape returned almost nothing");
        Assert.True(findings.Length == 0, string.Join('\n', findings));
    }

    [Theory]
    [InlineData(ObservabilityTraffic.Email, "an email")]
    [InlineData(ObservabilityTraffic.Cpf, "a CPF")]
    [InlineData(ObservabilityTraffic.CpfDigits, "a CPF")]
    [InlineData(ObservabilityTraffic.Cns, "a CNS")]
    [InlineData(ObservabilityTraffic.Phone, "a phone number")]
    [InlineData("(11) 91234-5678", "a phone number")]
    [InlineData(ObservabilityTraffic.Uuid, "a UUID")]
    [InlineData("/api/posts/" + ObservabilityTraffic.Uuid, "a UUID")]
    [InlineData("consent of " + ObservabilityTraffic.PatientName, "a patient name")]
    [InlineData("/api/posts/{id}", null)]
    [InlineData("patient_consent", null)]
    [InlineData("0.0025", null)]
    [InlineData("localhost:9101", null)]
    public void The_personal_data_detector_recognises_what_it_must(string value, string? kind) =>
        Assert.Equal(kind, PersonalDataKind(value));

    /// <summary>Every declared metric, fault counters included (initialised at 0), is exported after the traffic run.</summary>
    [Fact]
    public async Task Every_declared_metric_is_scraped()
    {
        var seen = (await ScrapeAllAsync()).Select(x => x.Sample.Name).ToHashSet(StringComparer.Ordinal);
        var missing = MetricCatalog.All
            .Where(d => !MetricContract.SeriesNames(d).All(seen.Contains))
            .Select(d => d.PrometheusName)
            .ToArray();

        output.WriteLine($"{MetricCatalog.All.Count} declared metrics; {MetricCatalog.All.Count - missing.Length} scraped");
        Assert.True(MetricCatalog.All.Count >= 31, $"only {MetricCatalog.All.Count} metrics declared");
        Assert.True(missing.Length == 0, "declared but never scraped: " + string.Join(", ", missing));
    }

    /// <summary>The fault counters are exported with every declared label combination (at 0 until a fault), by
    /// the service that owns them, without the traffic run having caused any of those faults.</summary>
    [Theory]
    [InlineData("api", "healthcare_cms.compliance.audit_write_failures")]
    [InlineData("api", "healthcare_cms.compliance.lgpd_events")]
    [InlineData("api", "healthcare_cms.zero_trust.enforcement_failures")]
    [InlineData("api", "healthcare_cms.gateway.forward_failures")]
    [InlineData("api", "healthcare_cms.live.mount.exception")]
    [InlineData("workflows", "healthcare_cms.wasm.errors")]
    public async Task Fault_counters_are_exported_for_every_label_combination(string service, string metric)
    {
        var definition = MetricCatalog.ByName[metric];
        var expected = definition.Tags.Aggregate(1, (product, tag) => product * tag.Values.Count);

        var series = (await MetricsScrape.ScrapeSamplesAsync(fixture, service))
            .Where(s => s.Name == definition.PrometheusName)
            .Select(s => string.Join(',', definition.TagKeys.Select(k => s.Labels.GetValueOrDefault(k))))
            .Distinct()
            .ToArray();

        Assert.Equal(expected, series.Length);
    }

    /// <summary>What kind of personal data a label value looks like, or null.</summary>
    public static string? PersonalDataKind(string value) =>
        value.Contains(ObservabilityTraffic.PatientName, StringComparison.OrdinalIgnoreCase) ? "a patient name"
        : EmailRegex().IsMatch(value) ? "an email"
        : UuidRegex().IsMatch(value) ? "a UUID"
        : CnsRegex().IsMatch(value) ? "a CNS"
        : CpfRegex().IsMatch(value) ? "a CPF"
        : PhoneRegex().IsMatch(value) ? "a phone number"
        : null;

    private async Task<IReadOnlyList<(string Service, ExposedSample Sample)>> ScrapeAllAsync()
    {
        await ObservabilityTraffic.EnsureAsync(fixture);
        var all = new List<(string, ExposedSample)>();
        foreach (var service in AppHostFixture.ServiceNames)
        {
            all.AddRange((await MetricsScrape.ScrapeSamplesAsync(fixture, service)).Select(s => (service, s)));
        }

        return all;
    }

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")]
    private static partial Regex EmailRegex();

    [GeneratedRegex(@"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")]
    private static partial Regex UuidRegex();

    /// <summary>CNS: 15 digits starting with 1, 2, 7, 8 or 9, optionally grouped 3-4-4-4.</summary>
    [GeneratedRegex(@"(?<!\d)[12789]\d{2}[ .]?\d{4}[ .]?\d{4}[ .]?\d{4}(?!\d)")]
    private static partial Regex CnsRegex();

    /// <summary>CPF: 11 digits, with or without the 000.000.000-00 punctuation.</summary>
    [GeneratedRegex(@"(?<!\d)\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?!\d)")]
    private static partial Regex CpfRegex();

    /// <summary>Brazilian phone numbers: optional +55, area code (with or without parentheses), 8 or 9 digits.</summary>
    [GeneratedRegex(@"(\+?55[\s-]?)?\(?\d{2}\)?[\s-]?9?\d{4}[\s-]?\d{4}(?!\d)")]
    private static partial Regex PhoneRegex();
}
