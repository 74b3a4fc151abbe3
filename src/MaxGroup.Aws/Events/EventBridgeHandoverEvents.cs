using System.Text.Json;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Events;

/// <summary>
/// <see cref="IHandoverEvents"/> on EventBridge: one PutEvents entry on the account's default bus, source
/// <see cref="HandoverEventTypes.Source"/>, detail the hand-over's summary as JSON. A refused entry is a
/// <see cref="RemoteApiException"/> like any other failure.
/// </summary>
public sealed class EventBridgeHandoverEvents(EventBridgeClient client, TimeProvider clock) : IHandoverEvents
{
    /// <summary>The bus the template's IAM statement allows, and the only one MaxGroup publishes to.</summary>
    public const string DefaultBus = "default";

    private readonly EventBridgeClient _client = client ?? throw new ArgumentNullException(nameof(client));
    private readonly TimeProvider _clock = clock ?? throw new ArgumentNullException(nameof(clock));

    public async Task PublishAsync(string detailType, HandoverSummary detail, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(detailType);
        ArgumentNullException.ThrowIfNull(detail);
        var entry = new PutEventsEntry(HandoverEventTypes.Source, detailType, JsonSerializer.Serialize(detail, HandoverSummaryJsonContext.Default.HandoverSummary))
        {
            EventBusName = DefaultBus,
            Time = _clock.GetUtcNow(),
        };
        IReadOnlyList<PutEventsResultEntry> results = await _client.PutEventsAsync([entry], cancellationToken).ConfigureAwait(false);
        if (results is not [{ Succeeded: true }])
        {
            PutEventsResultEntry? refused = results.Count > 0 ? results[0] : null;
            throw new RemoteApiException("events", refused?.ErrorCode ?? "NoResult", $"PutEvents refused {detailType}: {refused?.ErrorMessage ?? "no entry in the answer"}", 200);
        }
    }
}
