namespace MaxGroup.Aws.Signing;

/// <summary>
/// The deadline of the current logical operation, flowing with async calls. Handlers set it once (the earlier of the
/// reclaim time and the Lambda deadline) so that every AWS call below, including those made through ports that only
/// take a <see cref="CancellationToken"/>, refuses to start a retry wait that would end after it.
/// </summary>
public static class AwsCallDeadline
{
    private static readonly AsyncLocal<DateTimeOffset?> Deadline = new();

    public static DateTimeOffset? Current => Deadline.Value;

    /// <summary>Sets the deadline until the returned scope is disposed; an earlier enclosing deadline is kept.</summary>
    public static IDisposable Use(DateTimeOffset deadline)
    {
        DateTimeOffset? previous = Deadline.Value;
        Deadline.Value = previous is { } outer && outer < deadline ? outer : deadline;
        return new Scope(previous);
    }

    private sealed class Scope(DateTimeOffset? previous) : IDisposable
    {
        public void Dispose() => Deadline.Value = previous;
    }
}
