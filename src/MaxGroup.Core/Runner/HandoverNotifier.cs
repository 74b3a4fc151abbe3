using MaxGroup.Core.Ledger;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Runner;

/// <summary>
/// Tells operators about a hand-over through <see cref="IHandoverEvents"/>, best effort: one attempt bounded by
/// <see cref="Timeout"/> on the injected clock, every failure (an error, a refusal, no answer in time) logged and
/// counted as HandoverEventsFailed, never thrown. A hand-over's result never depends on whether its event went out.
/// </summary>
public sealed class HandoverNotifier(IHandoverEvents events, TimeProvider clock, IMetrics metrics, ILogger logger)
{
    public const string PublishedMetric = "HandoverEventsPublished";
    public const string FailedMetric = "HandoverEventsFailed";

    /// <summary>The longest a publish may hold up its caller (the bus usually answers in tens of milliseconds).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    private readonly IHandoverEvents _events = events ?? throw new ArgumentNullException(nameof(events));

    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>Publishes <paramref name="detailType"/> with <paramref name="record"/>'s summary; true when the bus took it.</summary>
    public async Task<bool> PublishAsync(string detailType, InterruptionRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var dimensions = new Dictionary<string, string> { ["DetailType"] = Bounded(detailType) };
        try
        {
            HandoverSummary summary = LedgerSummary.Summarize(record);
            using var timer = new CancellationTokenSource(Timeout, clock);
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            // WaitAsync bounds the wait even for a publisher that ignores its token.
            await _events.PublishAsync(detailType, summary, bound.Token).WaitAsync(Timeout, clock, bound.Token).ConfigureAwait(false);
            metrics.Record(PublishedMetric, 1, MetricUnit.Count, dimensions);
            return true;
        }
        catch (Exception ex)
        {
            metrics.Record(FailedMetric, 1, MetricUnit.Count, dimensions);
            logger.LogWarning("Could not publish {DetailType} for {InstanceId} ({Error}); the hand-over is not affected",
                detailType, record.InstanceId, ex is TimeoutException or OperationCanceledException ? $"no answer within {Timeout.TotalSeconds:0.#} s" : ex.Message);
            return false;
        }
    }

    /// <summary>The end of a hand-over (its last step ended): Failed when a step failed, Completed otherwise.</summary>
    public Task<bool> PublishEndAsync(InterruptionRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return PublishAsync(LedgerSummary.EndEventType(record), record with { Status = InterruptionStatus.Done }, cancellationToken);
    }

    private static string Bounded(string detailType) => HandoverEventTypes.All.Contains(detailType) ? detailType : "other";
}
