using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Ledger;

/// <summary>The one rule for ending a hand-over: once every step of an active interruption has ended, it is completed (its slot released).</summary>
public static class LedgerCompletion
{
    /// <summary>True when <paramref name="record"/> is active and none of its steps is pending or running any more.</summary>
    public static bool AllStepsEnded(InterruptionRecord? record) =>
        record is { Status: InterruptionStatus.Active } && record.Steps.All(s => !s.IsOutstanding);

    /// <summary>
    /// Completes <paramref name="record"/>'s interruption when <see cref="AllStepsEnded"/>; true when this call completed
    /// it (so the caller may start a queued one in the slot it freed).
    /// </summary>
    public static async Task<bool> CompleteIfAllStepsEndedAsync(
        this ILedger ledger, InterruptionRecord? record, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        return AllStepsEnded(record) && await ledger.TryCompleteInterruptionAsync(record!.InstanceId, now, cancellationToken);
    }
}
