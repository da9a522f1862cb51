using System.Diagnostics.Metrics;

namespace HealthcareCms.ServiceDefaults.Telemetry;

/// <summary>
/// Creates the instruments of one meter from the <see cref="MetricCatalog"/>. Services build their
/// metrics classes on it, so an instrument's name, unit, description and buckets are never typed twice
/// and every recorded tag passes the guard.
/// </summary>
public sealed class ContractMeter
{
    private readonly Meter _meter;

    public ContractMeter(IMeterFactory meterFactory, string meterName)
    {
        _meter = meterFactory.Create(meterName);
    }

    public ContractCounter Counter(string name)
    {
        var definition = Definition(name, MetricKind.Counter);
        return new ContractCounter(_meter.CreateCounter<long>(definition.Name, definition.Unit, definition.Description), definition);
    }

    public ContractHistogram Histogram(string name)
    {
        var definition = Definition(name, MetricKind.Histogram);
        var advice = new InstrumentAdvice<double> { HistogramBucketBoundaries = definition.Buckets };
        return new ContractHistogram(
            _meter.CreateHistogram(definition.Name, definition.Unit, definition.Description, tags: null, advice), definition);
    }

    public ObservableGauge<T> Gauge<T>(string name, Func<T> observe)
        where T : struct
    {
        var definition = Definition(name, MetricKind.Gauge);
        return _meter.CreateObservableGauge(definition.Name, observe, definition.Unit, definition.Description);
    }

    private MetricDefinition Definition(string name, MetricKind kind)
    {
        if (!MetricCatalog.ByName.TryGetValue(name, out var definition))
        {
            throw new InvalidOperationException($"Metric '{name}' is not declared in {nameof(MetricCatalog)}.");
        }

        if (definition.Meter != _meter.Name || definition.Kind != kind)
        {
            throw new InvalidOperationException(
                $"Metric '{name}' is declared as a {definition.Kind} of meter '{definition.Meter}', not a {kind} of '{_meter.Name}'.");
        }

        return definition;
    }
}

public sealed class ContractCounter(Counter<long> counter, MetricDefinition definition)
{
    public void Add(long value = 1) => counter.Add(value);

    public void Add(long value, params ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        counter.Add(value, TagGuard.Sanitize(definition, tags));
}

public sealed class ContractHistogram(Histogram<double> histogram, MetricDefinition definition)
{
    public void Record(double value) => histogram.Record(value);

    public void Record(double value, params ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        histogram.Record(value, TagGuard.Sanitize(definition, tags));
}
