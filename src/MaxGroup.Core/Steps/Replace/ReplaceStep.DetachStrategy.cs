using MaxGroup.Core.Model;
using MaxGroup.Core.Steps.Capacity;

namespace MaxGroup.Core.Steps.Replace;

/// <summary>The detach strategy: the doomed instance out without decrement, the group launches the replacement.</summary>
public sealed partial class ReplaceStep
{
    private async Task<StepOutcome> DetachStrategyAsync(
        RemediationRequest request, AutoScalingGroupInfo group, ReclaimDeadline deadline, Dictionary<string, string> details, CancellationToken cancellationToken)
    {
        string doomed = request.Instance.InstanceId;
        TimeSpan delay = DetachDelay(request, deadline);
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _clock, cancellationToken);
        }

        // Re-read the group after a delay, or on a re-run; with no delay on a first run the dispatcher's fresh view stands.
        // (A detach's first run is the begin's claim alone: the dispatcher searches for no successor for a detach.)
        if (delay > TimeSpan.Zero || request.StepClaimedAt is null || PrefetchOf(request).Group is null)
        {
            group = await DescribeGroupAsync(group.Name, deadline, cancellationToken) ?? group;
        }

        var before = group.Instances.Select(i => i.InstanceId).ToHashSet(StringComparer.Ordinal);
        if (IsMember(group, doomed))
        {
            await _membership.DetachAsync(group.Name, doomed, decrementDesired: false, CallsWithin(deadline), cancellationToken);
            RecordReactionLatency(request, "detach");
            details["detached"] = doomed;
        }
        else
        {
            details["detached"] = "already out of the group";
        }

        InterruptionRecord? record = await _ledger.GetAsync(doomed, cancellationToken);
        TimeSpan watch = WatchLimit(deadline);
        string? successor = record?.SuccessorInstanceId ?? await WatchForNewMemberAsync(group.Name, before, doomed, deadline, watch, cancellationToken);
        if (successor is null)
        {
            // A Spot shortage makes the group's own launch fail, and Auto Scaling never falls back to On-Demand: launch
            // the successor through the capacity-aware path, with the alt types and the On-Demand fallback.
            string waited = $"the group's replacement was not seen within {Seconds(watch)} s";
            return await FallThroughAsync(request, group, deadline, details, record?.Progress ?? new Dictionary<string, string>(), waited, cancellationToken);
        }

        await _ledger.SetSuccessorAsync(doomed, successor, _clock.GetUtcNow(), cancellationToken);
        details["successor_instance_id"] = successor;
        return StepOutcome.Done($"detached {doomed}; the group launched {successor}", details);
    }

    /// <summary>
    /// The group's replacement did not appear by the cut-off: a successor launched as the launch strategy does, attached,
    /// and desired capacity put back where it was (the group stops retrying its own launch). Done with the successor, or
    /// Failed with the reason: never "done" without one.
    /// </summary>
    private async Task<StepOutcome> FallThroughAsync(
        RemediationRequest request, AutoScalingGroupInfo group, ReclaimDeadline deadline, Dictionary<string, string> details,
        IReadOnlyDictionary<string, string> progress, string waited, CancellationToken cancellationToken)
    {
        string doomed = request.Instance.InstanceId;
        // Only a group short of its desired capacity needs one (its replacement may have come before the first look).
        AutoScalingGroupInfo now = await DescribeGroupAsync(group.Name, deadline, cancellationToken) ?? group;
        if (now.Instances.Count(i => i.InstanceId != doomed && IsMember(now, i.InstanceId)) >= now.DesiredCapacity)
        {
            return StepOutcome.Done($"detached {doomed}; {waited}, and the group is at its desired capacity {now.DesiredCapacity}", details);
        }

        details["fall_through"] = "launch";
        LaunchTemplateRef? template = ReplacementPlanner.Template(group, request.Instance);
        if (template is null)
        {
            return StepOutcome.Failed($"detached {doomed}; {waited}, and group {group.Name} has no launch template to launch a successor from", details);
        }

        SuccessorLaunchResult launched = await LaunchSuccessorAsync(request, group, template, deadline, cancellationToken);
        details["attempts"] = launched.AttemptsText;
        details["launch_api"] = launched.Api;
        if (launched is not { InstanceId: { } successor, Used: { } used })
        {
            return StepOutcome.Failed($"detached {doomed}; {waited}, and no successor could be launched: {launched.AttemptsText}", details);
        }

        details["successor_instance_id"] = successor;
        details["successor_type"] = used.InstanceType;
        details["successor_market"] = used.MarketText;
        await _ledger.SetSuccessorAsync(doomed, successor, _clock.GetUtcNow(), cancellationToken);
        if (await WaitUntilRunningAsync(successor, deadline, cancellationToken) is null)
        {
            return StepOutcome.Failed($"detached {doomed}; {waited}; successor {successor} did not reach running", details);
        }

        AutoScalingGroupInfo current = await DescribeGroupAsync(group.Name, deadline, cancellationToken) ?? group;
        if (!IsMember(current, successor))
        {
            progress = await AttachSuccessorAsync(doomed, current, successor, progress, deadline, details, cancellationToken);
        }

        // The attach raised desired by one above what the group had: put it back, which also ends the group's own retries.
        await DetachAndRestoreAsync(group.Name, doomed, progress, deadline, details, retire: false, cancellationToken);
        return StepOutcome.Done($"detached {doomed}; {waited}, so MaxGroup launched {successor} ({used}) and attached it", details);
    }

    /// <summary>How long to watch for the group's replacement: the configured limit, cut so the fall-through still fits.</summary>
    private TimeSpan WatchLimit(ReclaimDeadline deadline)
    {
        TimeSpan left = deadline.ReclaimAt - _options.FallThroughReserve - _clock.GetUtcNow();
        return left < _options.SuccessorWaitLimit ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : _options.SuccessorWaitLimit;
    }

    private async Task<string?> WatchForNewMemberAsync(
        string groupName, HashSet<string> before, string doomed, ReclaimDeadline deadline, TimeSpan watch, CancellationToken cancellationToken)
    {
        DateTimeOffset giveUpAt = _clock.GetUtcNow() + watch;
        while (true)
        {
            AutoScalingGroupInfo? group = await DescribeGroupAsync(groupName, deadline, cancellationToken);
            // Several interruptions of one group may wait at once, each seeing every new member: the ledger's
            // first-claim-wins decides whose successor each one is, so no two take the same instance.
            foreach (AutoScalingInstanceInfo fresh in (group?.Instances ?? [])
                .Where(i => i.InstanceId != doomed && !before.Contains(i.InstanceId))
                .OrderBy(i => i.InstanceId, StringComparer.Ordinal))
            {
                if (await _ledger.TryClaimSuccessorAsync(fresh.InstanceId, doomed, _clock.GetUtcNow(), cancellationToken))
                {
                    return fresh.InstanceId;
                }
            }

            DateTimeOffset next = _clock.GetUtcNow() + _options.PollInterval;
            if (next > giveUpAt || next > deadline.ReclaimAt)
            {
                return null;
            }

            await Task.Delay(_options.PollInterval, _clock, cancellationToken);
        }
    }
}
