using System.Diagnostics;
using OpenTelemetry.Metrics;

namespace HealthcareCms.ServiceDefaults.Telemetry;

/// <summary>
/// The telemetry guard. Two layers, so that neither a careless caller nor a library can leak a label:
/// <list type="bullet">
/// <item>at record time (<see cref="Sanitize"/>): a tag key outside the instrument's contract is dropped
/// and a value outside its closed set becomes <c>other</c>;</item>
/// <item>in the SDK (<see cref="SelectView"/>): every declared instrument is exported with exactly its
/// declared tag keys and buckets, undeclared instruments of our meters are dropped, and the built-in
/// HTTP instruments keep only their low-cardinality keys.</item>
/// </list>
/// Exemplars stay off (<see cref="ExemplarFilterType.AlwaysOff"/>): they would carry the dropped tags.
/// </summary>
public static class TagGuard
{
    public const string OtherValue = "other";

    public static TagList Sanitize(MetricDefinition definition, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new TagList();
        foreach (var (key, value) in tags)
        {
            if (!definition.TagsByKey.TryGetValue(key, out var tag))
            {
                continue;
            }

            var text = value as string ?? value?.ToString();
            result.Add(key, text is not null && tag.ValueSet.Contains(text) ? text : OtherValue);
        }

        return result;
    }

    public static MetricStreamConfiguration? SelectView(System.Diagnostics.Metrics.Instrument instrument)
    {
        if (MetricCatalog.ByName.TryGetValue(instrument.Name, out var definition) && definition.Meter == instrument.Meter.Name)
        {
            return definition.Kind == MetricKind.Histogram
                ? new ExplicitBucketHistogramConfiguration { Boundaries = [.. definition.Buckets!], TagKeys = definition.TagKeys }
                : new MetricStreamConfiguration { TagKeys = definition.TagKeys };
        }

        if (instrument.Meter.Name.StartsWith(MetricCatalog.Meters.Prefix, StringComparison.Ordinal))
        {
            return MetricStreamConfiguration.Drop;
        }

        if (MetricCatalog.BuiltInRenames.TryGetValue(instrument.Name, out var rename))
        {
            return new MetricStreamConfiguration { Name = rename };
        }

        if (MetricCatalog.BuiltInTagKeys.TryGetValue(instrument.Name, out var keys))
        {
            return instrument.Name.EndsWith(".duration", StringComparison.Ordinal)
                ? new ExplicitBucketHistogramConfiguration { Boundaries = MetricCatalog.HttpBuckets, TagKeys = keys }
                : new MetricStreamConfiguration { TagKeys = keys };
        }

        return null;
    }
}
