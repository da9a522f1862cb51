using HealthcareCms.Tests.Infrastructure;

namespace HealthcareCms.Tests.Observability;

public sealed class MetricsDocumentationTests
{
    [Fact]
    public void Docs_metrics_md_is_the_rendering_of_MetricCatalog()
    {
        var path = Repository.PathOf("docs", "metrics.md");
        var expected = MetricsDocument.Render();
        if (Environment.GetEnvironmentVariable("UPDATE_METRICS_DOC") == "1")
        {
            File.WriteAllText(path, expected);
        }

        var actual = File.Exists(path) ? File.ReadAllText(path).Replace("\r\n", "\n") : "";

        Assert.True(expected == actual,
            $"docs/metrics.md is out of date. Regenerate with UPDATE_METRICS_DOC=1, or replace it with:\n\n{expected}");
    }
}

/// <summary>The built-in names docs/metrics.md lists exist in the running system's Prometheus under exactly those names.</summary>
[Collection(AppHostCollection.Name)]
public sealed class DocumentedBuiltInMetricsTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Every_documented_built_in_metric_exists_in_prometheus()
    {
        await ObservabilityTraffic.EnsureAsync(fixture);
        using var prometheus = fixture.CreateClient("prometheus");
        var missing = new List<string>();
        foreach (var builtIn in MetricsDocument.BuiltIns)
        {
            if ((await PrometheusQuery.RunAsync(prometheus, builtIn.PrometheusName)).Series.Count == 0)
            {
                missing.Add(builtIn.PrometheusName);
            }
        }

        Assert.True(missing.Count == 0, "not in Prometheus: " + string.Join(", ", missing));
    }
}
