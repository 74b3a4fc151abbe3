using MaxGroup.Core.Ledger;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Dispatch;

/// <summary>
/// The intake's answers for a hand-over the ledger already holds: resumed when it may have died halfway, a duplicate
/// otherwise (and always when the other warning target began it moments ago for the same event).
/// </summary>
public sealed partial class HandoverIntake
{
    /// <summary>
    /// An event turned away before the begin (instance gone, not in a group, group not managed): unless the ledger holds
    /// its hand-over already (a redelivery after the instance left, or after its config changed), which is resumed.
    /// </summary>
    private async Task<DispatchResult> NotBegunAsync(
        HandoverOpening opening, Task<InstanceFacts?> factsTask, Task<ReplacePrefetch> successorTask, DispatchResult turnedAway, CancellationToken cancellationToken)
    {
        Observe(successorTask);
        return await ResumeBegunAsync(opening, factsTask, cancellationToken) ?? turnedAway;
    }

    /// <summary>The hand-over the ledger holds for the instance, resumed or answered as a duplicate; null when there is none.</summary>
    private async Task<DispatchResult?> ResumeBegunAsync(HandoverOpening opening, Task<InstanceFacts?> factsTask, CancellationToken cancellationToken)
    {
        if (await ledger.GetAsync(opening.InstanceId, cancellationToken) is not { } existing)
        {
            return null;
        }

        BeginResult seen = await ledger.TryBeginInterruptionAsync(
            existing with { EventIds = [opening.EventId] }, options.Limits, clock.GetUtcNow(), cancellationToken);
        return await ResumeOrDuplicateAsync(opening, seen.Record, factsTask, cancellationToken);
    }

    /// <summary>
    /// A warning for an interruption the ledger already holds. Still open (a step Pending or Running): its run may have
    /// died halfway, so every outstanding step is started again as a resume (a live run keeps its step; a dead one's is
    /// taken over once its lease lapses). Otherwise a plain duplicate.
    /// </summary>
    private async Task<DispatchResult> ResumeOrDuplicateAsync(
        HandoverOpening opening, InterruptionRecord record, Task<InstanceFacts?> factsTask, CancellationToken cancellationToken)
    {
        if (record.Status != InterruptionStatus.Active || !record.Steps.Any(s => s.IsOutstanding))
        {
            Observe(factsTask);
            return Duplicate(opening, record);
        }

        if (options.SiblingIntake && record.EventIds.Contains(opening.EventId) && clock.GetUtcNow() < record.CreatedAt + StepLeases.Lease)
        {
            // The other target's delivery of this same warning began it moments ago and its run holds the steps: a resume
            // would only stand by behind a live lease. A run that died is resumed by a later delivery or the sweep.
            Observe(factsTask);
            return Duplicate(opening, record) with
            {
                Reason = $"interruption begun less than a step lease ago for this same event (first event {record.FirstEventId}): left to that run",
            };
        }

        InstanceFacts? facts;
        try
        {
            facts = await factsTask;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not describe {InstanceId} for the resume; the resumer describes it again", record.InstanceId);
            facts = null;
        }

        // A lifecycle action delivered again (same token) restarts only what stalled: its live lifecycle step must not be
        // made to wait out its own lease by a plain duplicate.
        bool stalledOnly = opening.Trigger == HandoverTrigger.LifecycleHook;
        IReadOnlyList<string> resumed = await resumer.ResumeAsync(record, facts, stalledOnly, "the event was delivered again", cancellationToken);
        return Duplicate(opening, record) with
        {
            Status = resumed.Count > 0 ? DispatchStatus.Resumed : DispatchStatus.Duplicate,
            Reason = resumed.Count > 0
                ? $"interruption already begun (first event {record.FirstEventId}) and still open: resumed {string.Join(", ", resumed)}"
                : $"interruption already handled (status {LedgerText.Status(record.Status)}, first event {record.FirstEventId})",
            Steps = resumed,
        };
    }

    private DispatchResult Duplicate(HandoverOpening opening, InterruptionRecord record)
    {
        metrics.Record("DuplicateDeliveries", 1, MetricUnit.Count);
        return new DispatchResult
        {
            Status = DispatchStatus.Duplicate,
            Reason = $"interruption already handled (status {LedgerText.Status(record.Status)}, first event {record.FirstEventId})",
            EventId = opening.EventId,
            DetailType = opening.DetailType,
            InstanceId = record.InstanceId,
            GroupName = record.GroupName,
            ReclaimAt = record.ReclaimAt,
            DryRun = record.DryRun,
        };
    }
}
