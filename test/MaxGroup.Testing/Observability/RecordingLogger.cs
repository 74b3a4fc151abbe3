using Microsoft.Extensions.Logging;

namespace MaxGroup.Testing.Observability;

/// <summary>One log call: level and formatted message; <see cref="Line"/> adds the state's pairs and the exception.</summary>
public sealed record LogEntry(LogLevel Level, string Message)
{
    public Exception? Exception { get; init; }

    public string Line { get; init; } = "";
}

/// <summary>Keeps every log call so tests can assert what was, and was not, logged (secrets included).</summary>
public class RecordingLogger : ILogger
{
    public RecordList<LogEntry> Entries { get; } = new();

    /// <summary>Each call as "Level: message | key=value, ... | exception".</summary>
    public IReadOnlyList<string> Lines => Entries.Select(e => e.Line).ToList();

    public string AllText => string.Join('\n', Lines);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        string message = formatter(state, exception);
        string line = $"{logLevel}: {message}";
        if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            line += " | " + string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}"));
        }

        if (exception is not null)
        {
            line += " | " + exception;
        }

        Entries.Add(new LogEntry(logLevel, message) { Exception = exception, Line = line });
    }
}

/// <summary>The recorder for code that asks for an <see cref="ILogger{TCategoryName}"/>.</summary>
public sealed class RecordingLogger<T> : RecordingLogger, ILogger<T>;
