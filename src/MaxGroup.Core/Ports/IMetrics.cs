namespace MaxGroup.Core.Ports;

/// <summary>Records a metric (CloudWatch Embedded Metric Format in Lambda; namespace MaxGroup).</summary>
public interface IMetrics
{
    void Record(string name, double value, MetricUnit unit, IReadOnlyDictionary<string, string>? dimensions = null);
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
