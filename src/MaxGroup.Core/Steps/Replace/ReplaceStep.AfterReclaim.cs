using System.Globalization;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Steps.Capacity;

namespace MaxGroup.Core.Steps.Replace;

/// <summary>The ending both launch paths share (doomed instance out, capacity restored) and the late finish after the reclaim time.</summary>
public sealed partial class ReplaceStep
{
    /// <summary>
    /// A resumed run that starts after the reclaim time (the run before it died, and no redelivery came in time): no new
    /// launch or attach, but nothing left half-done either. A successor already attached keeps its place and the group
    /// gets its desired capacity and MaxSize back; one launched but never attached is recorded and reported, never left
    /// running unrecorded.
    /// </summary>
    private async Task<StepOutcome> FinishAfterReclaimAsync(RemediationRequest request, CancellationToken cancellationToken)
    {
        string doomed = request.Instance.InstanceId;
        string? groupName = GroupNameOf(request);
        InterruptionRecord? record = await _ledger.GetAsync(doomed, cancellationToken);
        string? successor = record?.SuccessorInstanceId ?? await _launcher.FindSuccessorAsync(doomed, cancellationToken);
        var details = new Dictionary<string, string> { ["strategy"] = "launch", ["late"] = "true" };
        _metrics.Record("DeadlineMisses", 1, MetricUnit.Count, new Dictionary<string, string> { ["Step"] = Name });
        if (successor is null || groupName is null)
        {
            return new StepOutcome { Status = StepStatus.Skipped, Reason = $"reclaim time {request.ReclaimAt:O} passed before a successor was launched", Details = details };
        }

        details["successor_instance_id"] = successor;
        await _ledger.SetSuccessorAsync(doomed, successor, _clock.GetUtcNow(), cancellationToken);
        // No deadline left: every call goes once, without the in-window retries.
        ReclaimDeadline late = request.Deadline;
        IReadOnlyDictionary<string, string> progress = record?.Progress ?? new Dictionary<string, string>();
        AutoScalingGroupInfo? group = await DescribeGroupAsync(groupName, late, cancellationToken);
        if (group is null || !IsMember(group, successor))
        {
            await RestoreMaxSizeAsync(doomed, groupName, progress, late, details, cancellationToken);
            return StepOutcome.Failed(
                $"reclaim time {request.ReclaimAt:O} passed before successor {successor} was attached; it runs outside group {groupName}: attach it or terminate it",
                details);
        }

        await DetachAndRestoreAsync(groupName, doomed, progress, late, details, retire: false, cancellationToken);
        return StepOutcome.Done($"finished after the reclaim time: successor {successor} in the group, {doomed} out, capacity restored", details);
    }

    /// <summary>
    /// The doomed instance out with decrement (or, when AWS took it first, desired capacity back to where it began), then
    /// MaxSize restored: the group ends as it began, whichever run gets here. A scheduled retirement (<paramref name="retire"/>)
    /// leaves by termination instead, when its node steps have ended in time (<c>ReplaceStep.Retirement.cs</c>).
    /// </summary>
    private async Task DetachAndRestoreAsync(
        string groupName, string doomed, IReadOnlyDictionary<string, string> progress, ReclaimDeadline deadline, Dictionary<string, string> details,
        bool retire, CancellationToken cancellationToken)
    {
        AutoScalingGroupInfo? group = await DescribeGroupAsync(groupName, deadline, cancellationToken);
        if (group is null)
        {
            return;
        }

        CapacityCalls calls = CallsWithin(deadline);
        if (IsMember(group, doomed) && retire && await TerminateRetiringAsync(groupName, doomed, calls, details, cancellationToken))
        {
            // Out of the group with decrement, as a detach would be, and terminated: its data volume is free for the successor.
        }
        else if (IsMember(group, doomed))
        {
            if (await _membership.DetachWithDecrementAsync(group, doomed, calls, cancellationToken) is int minSize)
            {
                details["min_size_lowered_for_detach"] = Text(minSize);
            }

            details["detached"] = doomed;
        }
        else
        {
            // AWS took the instance first (or an earlier run detached it): bring desired back to where it began.
            details["detached"] = "already out of the group";
            if (int.TryParse(progress.GetValueOrDefault(DesiredBefore), NumberStyles.Integer, CultureInfo.InvariantCulture, out int desiredBefore)
                && group.DesiredCapacity > desiredBefore)
            {
                await calls.RunAsync(ct => _autoScaling.SetDesiredCapacityAsync(group.Name, desiredBefore, false, ct), cancellationToken);
                details["desired_restored"] = Text(desiredBefore);
            }
        }

        await RestoreMaxSizeAsync(doomed, group.Name, progress, deadline, details, cancellationToken);
    }

    private async Task RestoreMaxSizeAsync(
        string doomed, string groupName, IReadOnlyDictionary<string, string> progress, ReclaimDeadline deadline, Dictionary<string, string> details, CancellationToken cancellationToken)
    {
        if (!int.TryParse(progress.GetValueOrDefault(MaxRaisedFrom), NumberStyles.Integer, CultureInfo.InvariantCulture, out int originalMax)
            || progress.ContainsKey(MaxRestored))
        {
            return;
        }

        if (await _membership.RestoreMaxSizeAsync(groupName, originalMax, CallsWithin(deadline), cancellationToken))
        {
            await _ledger.SetProgressAsync(doomed, MaxRestored, "true", cancellationToken);
            details["max_size_restored"] = Text(originalMax);
        }
    }
}
