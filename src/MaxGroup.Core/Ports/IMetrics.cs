namespace MaxGroup.Core.Ports;

/// <summary>Records a metric (CloudWatch Embedded Metric Format in Lambda; namespace MaxGroup).</summary>
public interface IMetrics
{
    void Record(string name, double value, MetricUnit unit, IReadOnlyDictionary<string, string>? dimensions = null);

    /// <summary>
    /// Records a metric in another namespace with exactly <paramref name="dimensions"/> (no service dimension added), so
    /// that alarms on a metric another tool published keep matching: max_group's SpotMax / MaxGroup=Pre-complement /
    /// Count (<see cref="LegacyMetrics"/>). Implementations that publish nowhere may ignore it.
    /// </summary>
    void RecordExact(string metricNamespace, string name, double value, MetricUnit unit, IReadOnlyDictionary<string, string> dimensions)
    {
    }
}

/// <summary>The original max_group's metric, emitted as it was so a user's dashboards and alarms keep working.</summary>
public static class LegacyMetrics
{
    public const string Namespace = "SpotMax";
    public const string Name = "Count";
    public const string DimensionName = "MaxGroup";

    /// <summary>max_group counted a successor started ahead of the reclaim ("complemented in advance") under this value.</summary>
    public const string PreComplement = "Pre-complement";

    public static IReadOnlyDictionary<string, string> PreComplementDimensions { get; } = new Dictionary<string, string> { [DimensionName] = PreComplement };
}

public enum MetricUnit
{
    Count,
    Milliseconds,
    Seconds,
    Bytes,
    None,
}

/// <summary>Discards metrics; for tests and tools that do not publish them.</summary>
public sealed class NullMetrics : IMetrics
{
    public static readonly NullMetrics Instance = new();

    public void Record(string name, double value, MetricUnit unit, IReadOnlyDictionary<string, string>? dimensions = null)
    {
    }
}
