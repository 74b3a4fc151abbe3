using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>
/// Publishes MaxGroup's own hand-over events (EventBridge's default bus in AWS, source <see cref="HandoverEventTypes.Source"/>).
/// Callers never let a failure here touch a hand-over: see Runner's HandoverNotifier.
/// </summary>
public interface IHandoverEvents
{
    /// <summary>Publishes one event; throws <see cref="RemoteApiException"/> when the bus refused it.</summary>
    Task PublishAsync(string detailType, HandoverSummary detail, CancellationToken cancellationToken);
}

/// <summary>Publishes nothing: tools and tests that do not notify.</summary>
public sealed class NullHandoverEvents : IHandoverEvents
{
    public static readonly NullHandoverEvents Instance = new();

    public Task PublishAsync(string detailType, HandoverSummary detail, CancellationToken cancellationToken) => Task.CompletedTask;
}
