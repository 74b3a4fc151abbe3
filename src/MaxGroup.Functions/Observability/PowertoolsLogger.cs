using System.Buffers;
using System.Globalization;
using System.Text.Json;
using MaxGroup.Functions.Runtime;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Observability;

/// <summary>One category's logger of <see cref="PowertoolsLoggerProvider"/>.</summary>
internal sealed class PowertoolsLogger(string category, PowertoolsLoggerProvider provider) : ILogger
{
    private const string OriginalFormatKey = "{OriginalFormat}";

    private static readonly HashSet<string> ReservedKeys = new(StringComparer.Ordinal)
    {
        "level", "message", "timestamp", "service", "exception",
        InvocationLogScope.ColdStartKey, InvocationLogScope.RequestIdKey, InvocationLogScope.TraceIdKey,
    };

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => provider.Scopes.Push(state);

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= provider.Options.MinimumLevel;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        ArgumentNullException.ThrowIfNull(formatter);
        string message = formatter(state, exception);

        // Scopes first, outermost to innermost, then the entry's own template values: the most specific value wins.
        var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
        provider.Scopes.ForEachScope(static (scope, props) => Collect(scope, props), properties);
        Collect(state, properties);

        PowertoolsLoggerOptions options = provider.Options;
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, JsonLines.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("level", LevelName(logLevel));
            writer.WriteString("message", message);
            writer.WriteString("timestamp", options.Time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("service", options.Service);
            WriteIfPresent(writer, properties, InvocationLogScope.ColdStartKey);
            WriteIfPresent(writer, properties, InvocationLogScope.RequestIdKey);
            WriteIfPresent(writer, properties, InvocationLogScope.TraceIdKey);
            writer.WriteString("logger", category);
            foreach (KeyValuePair<string, object?> property in properties)
            {
                if (!ReservedKeys.Contains(property.Key) && property.Key != "logger")
                {
                    writer.WritePropertyName(property.Key);
                    JsonValues.Write(writer, property.Value);
                }
            }

            if (exception is not null)
            {
                writer.WriteStartObject("exception");
                writer.WriteString("type", exception.GetType().FullName);
                writer.WriteString("message", exception.Message);
                writer.WriteString("stack_trace", exception.StackTrace);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        options.Sink.WriteLine(buffer.WrittenSpan);
    }

    private static void Collect(object? scope, Dictionary<string, object?> properties)
    {
        if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            foreach (KeyValuePair<string, object?> pair in pairs)
            {
                if (pair.Key != OriginalFormatKey)
                {
                    properties[JsonKeys.ToSnakeCase(pair.Key)] = pair.Value;
                }
            }
        }
    }

    private static void WriteIfPresent(Utf8JsonWriter writer, Dictionary<string, object?> properties, string key)
    {
        if (properties.TryGetValue(key, out object? value) && value is not null)
        {
            writer.WritePropertyName(key);
            JsonValues.Write(writer, value);
        }
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "Trace",
        LogLevel.Debug => "Debug",
        LogLevel.Information => "Information",
        LogLevel.Warning => "Warning",
        LogLevel.Error => "Error",
        LogLevel.Critical => "Critical",
        _ => "None",
    };
}
