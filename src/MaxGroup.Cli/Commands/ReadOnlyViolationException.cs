namespace MaxGroup.Cli.Commands;

/// <summary>A read-only command tried a call that could change something; the call was refused before it left the process.</summary>
public sealed class ReadOnlyViolationException : InvalidOperationException
{
    public ReadOnlyViolationException()
    {
    }

    public ReadOnlyViolationException(string message)
        : base(message)
    {
    }

    public ReadOnlyViolationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public static ReadOnlyViolationException For(string service, string action) =>
        new($"read-only: refused {service} {action} (this command never changes anything)");
}
