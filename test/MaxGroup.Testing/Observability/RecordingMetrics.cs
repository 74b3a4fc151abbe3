using MaxGroup.Core.Ports;

namespace MaxGroup.Testing.Observability;

/// <summary>One metric as the code recorded it; <see cref="Dimensions"/> is null when none were given.</summary>
public sealed record MetricRecord(string Name, double Value, MetricUnit Unit, IReadOnlyDictionary<string, string>? Dimensions);

/// <summary>
/// Keeps every metric recorded, for assertions. A metric recorded in another namespace (<see cref="IMetrics.RecordExact"/>,
/// max_group's legacy count) is kept as "Namespace/Name", so tests tell it from MaxGroup's own.
/// </summary>
public sealed class RecordingMetrics : IMetrics
{
    public RecordList<MetricRecord> Records { get; } = new();

    /// <summary>The names in the order recorded.</summary>
    public IReadOnlyList<string> Names => Records.Select(r => r.Name).ToList();

    /// <summary>Name and value of each record, in the order recorded.</summary>
    public IReadOnlyList<(string Name, double Value)> Recorded => Records.Select(r => (r.Name, r.Value)).ToList();

    public void Record(string name, double value, MetricUnit unit, IReadOnlyDictionary<string, string>? dimensions = null) =>
        Records.Add(new MetricRecord(name, value, unit, dimensions));

    public void RecordExact(string metricNamespace, string name, double value, MetricUnit unit, IReadOnlyDictionary<string, string> dimensions) =>
        Records.Add(new MetricRecord(metricNamespace + "/" + name, value, unit, dimensions));

    public int Count(string name) => Records.Count(r => r.Name == name);
}
