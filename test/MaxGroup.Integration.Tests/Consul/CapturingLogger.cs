using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Integration.Tests.Consul;

/// <summary>Keeps every formatted log line (with exceptions) so tests can assert what was, and was not, logged.</summary>
public sealed class CapturingLogger<T> : ILogger<T>
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public string AllText => string.Join('\n', Lines);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        string line = $"{logLevel}: {formatter(state, exception)}";
        if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            line += " | " + string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}"));
        }

        if (exception is not null)
        {
            line += " | " + exception;
        }

        Lines.Enqueue(line);
    }
}
