using MaxGroup.Core.Model;

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
        if (delay > TimeSpan.Zero || !IsFirstRun(request) || PrefetchOf(request).Group is null)
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
        string? successor = record?.SuccessorInstanceId ?? await WatchForNewMemberAsync(group.Name, before, doomed, deadline, cancellationToken);
        if (successor is null)
        {
            return StepOutcome.Done($"detached {doomed}; the group's replacement was not seen within {Seconds(_options.SuccessorWaitLimit)} s", details);
        }

        await _ledger.SetSuccessorAsync(doomed, successor, _clock.GetUtcNow(), cancellationToken);
        details["successor_instance_id"] = successor;
        return StepOutcome.Done($"detached {doomed}; the group launched {successor}", details);
    }

    private async Task<string?> WatchForNewMemberAsync(string groupName, HashSet<string> before, string doomed, ReclaimDeadline deadline, CancellationToken cancellationToken)
    {
        DateTimeOffset giveUpAt = _clock.GetUtcNow() + _options.SuccessorWaitLimit;
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
