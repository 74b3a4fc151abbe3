using MaxGroup.Core.Model;
using MaxGroup.Core.Steps.Lifecycle;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Dispatch;

/// <summary>A terminate lifecycle action for an instance another trigger already hands over.</summary>
public sealed partial class Dispatcher
{
    /// <summary>
    /// The intake answered <paramref name="opened"/> for a lifecycle action: when the ledger already held a hand-over of
    /// the instance opened by another trigger (a Spot or reservation warning that Auto Scaling's own termination, e.g.
    /// Capacity Rebalancing, overtook; a Health retirement that terminated the instance in its group), that hand-over has
    /// no lifecycle step, and nothing else would ever complete the action: Auto Scaling would hold the instance in
    /// Terminating:Wait until the hook's heartbeat timeout (an hour by default). The dispatcher completes it here, once
    /// that hand-over's steps that need the instance have ended, and no later than its reclaim time (or two minutes from
    /// now, whichever comes first: the steps of a warning end by then, a Health change's ran when it was opened).
    /// </summary>
    private async Task<DispatchResult> AdoptLifecycleActionAsync(HandoverOpening opening, DispatchResult opened, CancellationToken cancellationToken)
    {
        if (opened.Status is not (DispatchStatus.Duplicate or DispatchStatus.Resumed) || opening.LifecycleHook is not { } action || autoScaling is null)
        {
            return opened;
        }

        InterruptionRecord? record = await ledger.GetAsync(opening.InstanceId, cancellationToken);
        if (record is null || (record.LifecycleHook is { } own && own.Token == action.Token))
        {
            // The hand-over this action opened: its own lifecycle step completes it.
            return opened;
        }

        DateTimeOffset now = clock.GetUtcNow();
        DateTimeOffset waitUntil = new[] { record.ReclaimAt, action.GlobalDeadline, now + ReclaimDeadline.NoticePeriod }.Min();
        var step = new LifecycleHookStep(ledger, autoScaling, clock, logger);
        StepOutcome outcome = await step.CompleteAdoptedAsync(record, action, waitUntil, cancellationToken);
        logger.LogInformation(
            "Lifecycle action {Hook} of {InstanceId}, handed over by {Trigger}: {Status}: {Reason}",
            action.HookName, opening.InstanceId, record.Trigger.WireName(), outcome.Status, outcome.Reason);
        return opened with { Reason = $"{opened.Reason}; lifecycle action of a hand-over opened by {record.Trigger.WireName()}: {outcome.Reason}" };
    }
}
