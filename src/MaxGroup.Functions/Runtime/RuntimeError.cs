using System.Buffers;
using System.Text.Json;

namespace MaxGroup.Functions.Runtime;

/// <summary>The error document Lambda expects: {"errorMessage", "errorType", "stackTrace"}.</summary>
public sealed record RuntimeError(string ErrorType, string ErrorMessage)
{
    public IReadOnlyList<string> StackTrace { get; init; } = [];

    /// <summary>An error named after the exception type, as the official .NET runtime reports it.</summary>
    public static RuntimeError FromException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        string[] frames = exception.StackTrace is { } trace
            ? trace.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
        return new RuntimeError(exception.GetType().Name, exception.Message) { StackTrace = frames };
    }

    /// <summary>The UTF-8 JSON body of the error POST.</summary>
    public byte[] ToUtf8Json()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, JsonLines.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("errorMessage", ErrorMessage);
            writer.WriteString("errorType", ErrorType);
            writer.WriteStartArray("stackTrace");
            foreach (string frame in StackTrace)
            {
                writer.WriteStringValue(frame);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
