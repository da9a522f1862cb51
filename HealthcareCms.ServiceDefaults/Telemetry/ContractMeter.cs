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
    /// <summary>Most label combinations a counter may be initialised with (the product of its tag value sets).</summary>
    public const int MaxInitialSeries = 100;

    public void Add(long value = 1) => counter.Add(value);

    /// <summary>
    /// Records 0 for every combination of the declared tag values, so every series exists from the start.
    /// For fault counters: Prometheus' <c>rate</c>/<c>increase</c> cannot see a series' first sample as an
    /// increase, so a counter that appears only at its first fault would hide that fault from its alert, and
    /// its panels would be empty ("no data") instead of 0 while all is well.
    /// </summary>
    public ContractCounter InitializeAtZero()
    {
        IEnumerable<KeyValuePair<string, object?>[]> combinations = [[]];
        foreach (var tag in definition.Tags)
        {
            combinations = combinations.SelectMany(prefix => tag.Values.Select(value =>
                (KeyValuePair<string, object?>[])[.. prefix, new(tag.Key, value)])).ToArray();
        }

        var all = combinations.ToArray();
        if (all.Length > MaxInitialSeries)
        {
            throw new InvalidOperationException($"{definition.Name} has {all.Length} label combinations; too many to initialise.");
        }

        foreach (var tags in all)
        {
            counter.Add(0, tags);
        }

        return this;
    }

    public void Add(long value, params ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        counter.Add(value, TagGuard.Sanitize(definition, tags));
}

public sealed class ContractHistogram(Histogram<double> histogram, MetricDefinition definition)
{
    public void Record(double value) => histogram.Record(value);

    public void Record(double value, params ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        histogram.Record(value, TagGuard.Sanitize(definition, tags));
}
