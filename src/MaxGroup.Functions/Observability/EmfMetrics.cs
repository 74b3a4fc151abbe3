using System.Buffers;
using System.Text.Json;
using MaxGroup.Core.Ports;
using MaxGroup.Functions.Runtime;

namespace MaxGroup.Functions.Observability;

/// <summary>
/// <see cref="IMetrics"/> as CloudWatch Embedded Metric Format: one JSON line per metric in the log, which CloudWatch
/// turns into a metric without an API call or SDK. Every metric carries the `service` dimension, as Powertools does.
/// </summary>
public sealed class EmfMetrics : IMetrics
{
    public const string DefaultNamespace = "MaxGroup";
    public const string ServiceDimension = "service";

    /// <summary>CloudWatch accepts at most 30 dimensions per metric.</summary>
    public const int MaxDimensions = 30;

    private readonly LogSink _sink;
    private readonly TimeProvider _time;
    private readonly string _service;
    private readonly string _namespace;

    public EmfMetrics(LogSink sink, TimeProvider time, string service, string metricNamespace = DefaultNamespace)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        ArgumentException.ThrowIfNullOrWhiteSpace(metricNamespace);
        _sink = sink;
        _time = time;
        _service = service;
        _namespace = metricNamespace;
    }

    public void Record(string name, double value, MetricUnit unit, IReadOnlyDictionary<string, string>? dimensions = null)
    {
        var keys = new List<string> { ServiceDimension };
        if (dimensions is not null)
        {
            foreach (string key in dimensions.Keys)
            {
                if (key != ServiceDimension && key != name)
                {
                    keys.Add(key);
                }
            }
        }

        Write(_namespace, name, value, unit, keys, dimensions, withService: true);
    }

    /// <summary>The metric with exactly the given dimensions: a CloudWatch metric is its namespace, name and whole dimension set.</summary>
    public void RecordExact(string metricNamespace, string name, double value, MetricUnit unit, IReadOnlyDictionary<string, string> dimensions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(metricNamespace);
        ArgumentNullException.ThrowIfNull(dimensions);
        Write(metricNamespace, name, value, unit, dimensions.Keys.Where(k => k != name).ToList(), dimensions, withService: false);
    }

    private void Write(string metricNamespace, string name, double value, MetricUnit unit, List<string> keys, IReadOnlyDictionary<string, string>? dimensions, bool withService)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "EMF values must be finite numbers");
        }

        if (keys.Count > MaxDimensions)
        {
            throw new ArgumentException($"EMF allows at most {MaxDimensions} dimensions, got {keys.Count}", nameof(dimensions));
        }

        var buffer = new ArrayBufferWriter<byte>(384);
        using (var writer = new Utf8JsonWriter(buffer, JsonLines.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("_aws");
            writer.WriteNumber("Timestamp", _time.GetUtcNow().ToUnixTimeMilliseconds());
            writer.WriteStartArray("CloudWatchMetrics");
            writer.WriteStartObject();
            writer.WriteString("Namespace", metricNamespace);
            writer.WriteStartArray("Dimensions");
            writer.WriteStartArray();
            foreach (string key in keys)
            {
                writer.WriteStringValue(key);
            }

            writer.WriteEndArray();
            writer.WriteEndArray();
            writer.WriteStartArray("Metrics");
            writer.WriteStartObject();
            writer.WriteString("Name", name);
            writer.WriteString("Unit", UnitName(unit));
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();

            if (withService)
            {
                writer.WriteString(ServiceDimension, _service);
            }

            foreach (string key in keys)
            {
                if (key != ServiceDimension || !withService)
                {
                    writer.WriteString(key, dimensions![key]);
                }
            }

            writer.WriteNumber(name, value);
            writer.WriteEndObject();
        }

        _sink.WriteLine(buffer.WrittenSpan);
    }

    private static string UnitName(MetricUnit unit) => unit switch
    {
        MetricUnit.Count => "Count",
        MetricUnit.Milliseconds => "Milliseconds",
        MetricUnit.Seconds => "Seconds",
        MetricUnit.Bytes => "Bytes",
        _ => "None",
    };
}
