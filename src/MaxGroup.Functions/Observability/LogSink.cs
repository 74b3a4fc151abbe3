namespace MaxGroup.Functions.Observability;

/// <summary>
/// Where JSON log and metric lines go (stdout in Lambda, where the platform ships them to CloudWatch Logs). Writes
/// whole lines under a lock so concurrent writers never interleave.
/// </summary>
public sealed class LogSink(Stream stream)
{
    private static readonly Lazy<LogSink> Stdout = new(() => new LogSink(Console.OpenStandardOutput()));
    private static readonly Lazy<LogSink> Stderr = new(() => new LogSink(Console.OpenStandardError()));
    private readonly Stream _stream = stream ?? throw new ArgumentNullException(nameof(stream));
    private readonly Lock _gate = new();

    public static LogSink StandardOutput => Stdout.Value;

    public static LogSink StandardError => Stderr.Value;

    /// <summary>Writes <paramref name="utf8Line"/> and a newline, then flushes, as one unit.</summary>
    public void WriteLine(ReadOnlySpan<byte> utf8Line)
    {
        lock (_gate)
        {
            _stream.Write(utf8Line);
            _stream.WriteByte((byte)'\n');
            _stream.Flush();
        }
    }
}
