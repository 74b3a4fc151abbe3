namespace MaxGroup.Core.Events;

/// <summary>An event that cannot be acted on; the message names the field, e.g. "detail.instance-id is missing".</summary>
public sealed class EventParseException : Exception
{
    public EventParseException(string message)
        : base(message)
    {
    }

    public EventParseException()
    {
    }

    public EventParseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
