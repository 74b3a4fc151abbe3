namespace MaxGroup.Functions.Runtime;

/// <summary>A `_HANDLER` (or `maxgroup invoke` function) that this build does not serve; the message names the valid ones.</summary>
public sealed class UnknownHandlerException : Exception
{
    public UnknownHandlerException(string message)
        : base(message)
    {
    }

    public UnknownHandlerException()
    {
    }

    public UnknownHandlerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
