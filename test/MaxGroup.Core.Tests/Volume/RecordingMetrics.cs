using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Tests.Volume;

/// <summary>Keeps every recorded metric for assertions.</summary>
internal sealed class RecordingMetrics : IMetrics
{
    public List<(string Name, double Value, IReadOnlyDictionary<string, string>? Dimensions)> Records { get; } = [];

    public void Record(string name, double value, MetricUnit unit, IReadOnlyDictionary<string, string>? dimensions = null) =>
        Records.Add((name, value, dimensions));
}
