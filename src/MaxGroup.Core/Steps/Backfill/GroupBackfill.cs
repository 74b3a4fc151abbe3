using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Steps.Capacity;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Backfill;

/// <summary>
/// The group's launch failed (EC2 Instance Launch Unsuccessful: a Spot shortage, and Auto Scaling never falls back to
/// On-Demand or another type by itself). When the group is short of its desired capacity and has
/// is_to_handle_scaling_failure, one successor is launched through the capacity-aware launch and attached, and desired
/// capacity is put back where it was (AttachInstances raises it by one): the group gets what it asked for, never more.
/// Once per group and scaling activity: a conditional claim in the ledger, progress noted before each change, and
/// launch tokens derived from group and activity, so a redelivery or a run that died halfway converges.
/// </summary>
public sealed class GroupBackfill(
    IGroupConfigSource configs,
    IAutoScalingApi autoScaling,
    IInstanceInventory inventory,
    ISuccessorLauncher launcher,
    IBackfillLedger backfills,
    BackfillOptions options,
    TimeProvider clock,
    IMetrics metrics,
    ILogger logger) : ILaunchFailureHandler
{
    private const string StepName = "backfill";

    private readonly SuccessorLaunch _successorLaunch = new(launcher, logger);
    private readonly GroupMembership _membership = new(autoScaling, logger);

    /// <summary>Bans of Spot pools interrupted a moment ago (the ledger table); null = only the failed zone is avoided.</summary>
    public ISpotPoolBans? PoolBans { get; init; }

    public async Task<DispatchResult> OnLaunchFailedAsync(MaxGroupEvent.AutoScalingLaunch launch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        AutoScalingLaunchDetail detail = launch.Event.Detail;
        string groupName = detail.AutoScalingGroupName;
        // Every delivery of one failure carries its activity; without one (never seen from AWS), the event id stands in.
        string activityId = detail.ActivityId is { Length: > 0 } activity ? activity : launch.Id;

        GroupConfigLookup lookup = await configs.GetAsync(groupName, cancellationToken);
        if (!lookup.Managed || lookup.Config is not { Enabled: true } config)
        {
            return DispatchResult.NoOp(launch, $"group is not managed: {lookup.Reason}", groupName: groupName);
        }

        if (!config.IsToHandleScalingFailure)
        {
            return Outcome(launch, BackfillOutcomes.Disabled, "is_to_handle_scaling_failure is off for this group: the failed launch is left to Auto Scaling");
        }

        BackfillRecord? known = await backfills.GetAsync(groupName, activityId, cancellationToken);
        if (known is { Status: BackfillStatus.Done })
        {
            return Duplicate(launch, known);
        }

        AutoScalingGroupInfo? group = await autoScaling.DescribeGroupAsync(groupName, cancellationToken);
        if (group is null)
        {
            return Outcome(launch, BackfillOutcomes.NotPossible, $"Auto Scaling group {groupName} not found");
        }

        // A run that died after its launch or attach left progress: finish it even though the group no longer looks short.
        bool resuming = known is not null && (known.SuccessorInstanceId is not null || known.DesiredBefore is not null);
        int shortfall = BackfillRules.Shortfall(group);
        if (!resuming && shortfall == 0)
        {
            return Outcome(launch, BackfillOutcomes.Recovered,
                $"group {groupName} is not short: {BackfillRules.InServiceOrPending(group)} in service or pending of desired {group.DesiredCapacity}");
        }

        if (group.LaunchTemplate is not { } lt || (lt.LaunchTemplateId is null && lt.LaunchTemplateName is null))
        {
            return Outcome(launch, BackfillOutcomes.NotPossible, $"group {groupName} has no launch template to launch a successor from");
        }

        var template = new LaunchTemplateRef(lt.LaunchTemplateId, lt.LaunchTemplateName, lt.Version ?? "$Default");
        string? failedType = BackfillRules.FailedInstanceType(detail.StatusMessage);
        IReadOnlyList<LaunchCandidate> candidates = ReplacementPlanner.BackfillCandidates(group, config, failedType);
        if (!resuming && candidates.Count == 0)
        {
            return Outcome(launch, BackfillOutcomes.NotPossible, $"group {groupName} names no instance type (no overrides, no members) to backfill with");
        }

        if (options.ForceDryRun || config.DryRun)
        {
            string plan = $"dry run: group {groupName} is short by {shortfall} (desired {group.DesiredCapacity}): would launch one successor"
                + $" ({string.Join(", ", candidates)}) over {Math.Max(1, group.SubnetIds.Count)} subnets"
                + (detail.AvailabilityZone is { } zone ? $" avoiding {failedType ?? "every Spot pool"} in {zone}" : "")
                + $", attach it{(group.DesiredCapacity + 1 > group.MaxSize ? $" (MaxSize {group.MaxSize} raised by one, then restored)" : "")}"
                + $" and put desired capacity back to {group.DesiredCapacity}";
            return Outcome(launch, BackfillOutcomes.DryRun, plan) with { DryRun = true };
        }

        DateTimeOffset now = clock.GetUtcNow();
        (bool claimed, BackfillRecord record) = await backfills.TryClaimAsync(new BackfillRecord
        {
            GroupName = groupName,
            ActivityId = activityId,
            EventId = launch.Id,
            ClaimedAt = now,
            LeaseUntil = now + options.Lease,
            ExpiresAt = now + options.RecordLifetime,
        }, now, cancellationToken);
        if (!claimed)
        {
            return Duplicate(launch, record);
        }

        try
        {
            return await BackfillAsync(launch, record, group, template, candidates, failedType, cancellationToken);
        }
        catch (Exception ex)
        {
            // The redelivery (Lambda retries a failed invocation) takes over at once, with the progress noted so far.
            await backfills.ReleaseAsync(groupName, activityId, clock.GetUtcNow(), CancellationToken.None);
            Record(BackfillOutcomes.Failed);
            logger.LogWarning(ex, "Backfill of {GroupName} for activity {ActivityId} failed; a redelivery resumes it", groupName, activityId);
            throw;
        }
    }

    private async Task<DispatchResult> BackfillAsync(
        MaxGroupEvent.AutoScalingLaunch launch,
        BackfillRecord record,
        AutoScalingGroupInfo group,
        LaunchTemplateRef template,
        IReadOnlyList<LaunchCandidate> candidates,
        string? failedType,
        CancellationToken cancellationToken)
    {
        string successor;
        string launchedAs = "";
        if (record.SuccessorInstanceId is { } earlier)
        {
            successor = earlier;
        }
        else
        {
            SuccessorLaunchResult launched = await LaunchAsync(launch, record, group, template, candidates, failedType, cancellationToken);
            if (launched is not { InstanceId: { } id, Used: { } used })
            {
                string reason = $"no capacity for a backfill of {group.Name}: {launched.AttemptsText}";
                await backfills.FinishAsync(group.Name, record.ActivityId, BackfillOutcomes.NoCapacity, reason, cancellationToken);
                return Outcome(launch, BackfillOutcomes.NoCapacity, reason);
            }

            successor = id;
            launchedAs = $" ({used}, {launched.Api})";
            record = record with { SuccessorInstanceId = id };
            await backfills.SaveProgressAsync(record, cancellationToken);
        }

        InstanceFacts facts = await WaitUntilRunningAsync(successor, cancellationToken);
        if (facts.IsGone)
        {
            string reason = $"backfill successor {successor} of {group.Name} is {facts.State} before it could be attached";
            await backfills.FinishAsync(group.Name, record.ActivityId, BackfillOutcomes.Failed, reason, cancellationToken);
            return Outcome(launch, BackfillOutcomes.Failed, reason);
        }

        group = await autoScaling.DescribeGroupAsync(group.Name, cancellationToken) ?? group;
        if (!group.Instances.Any(i => i.InstanceId == successor))
        {
            record = await AttachAsync(record, group, successor, cancellationToken);
        }

        string restored = await RestoreAsync(record, cancellationToken);
        string done = $"backfilled {group.Name}: successor {successor}{launchedAs} attached{restored}";
        await backfills.FinishAsync(group.Name, record.ActivityId, BackfillOutcomes.Attached, done, cancellationToken);
        logger.LogInformation("Backfilled {GroupName} for failed activity {ActivityId} with {SuccessorId}", group.Name, record.ActivityId, successor);
        return Outcome(launch, BackfillOutcomes.Attached, done) with { Status = DispatchStatus.Started, InstanceId = successor };
    }

    private async Task<SuccessorLaunchResult> LaunchAsync(
        MaxGroupEvent.AutoScalingLaunch launch,
        BackfillRecord record,
        AutoScalingGroupInfo group,
        LaunchTemplateRef template,
        IReadOnlyList<LaunchCandidate> candidates,
        string? failedType,
        CancellationToken cancellationToken)
    {
        DateTimeOffset now = clock.GetUtcNow();
        IReadOnlyList<SpotPoolBan> active = PoolBans is null ? [] : await PoolBans.ActiveAsync(now, cancellationToken);
        IReadOnlyCollection<SpotPoolBan> avoided = BackfillRules.AvoidedPools(
            launch.Event.Detail.AvailabilityZone, failedType, candidates.Select(c => c.InstanceType), now + options.Lease);
        string activityId = record.ActivityId;
        return await _successorLaunch.LaunchAsync(
            new SuccessorLaunchRequest
            {
                LaunchTemplate = template,
                Candidates = candidates,
                // No instance is being replaced: every subnet of the group, one other than the failed one first (the
                // RunInstances fallback uses that one alone, so it must be the group's, not the default VPC's).
                SubnetId = BackfillRules.FirstOtherThan(group.SubnetIds, launch.Event.Detail.SubnetId),
                Subnets = group.SubnetIds,
                AvailabilityZone = group.SubnetIds.Count == 0 ? BackfillRules.FirstOtherThan(group.AvailabilityZones, launch.Event.Detail.AvailabilityZone) : null,
                BannedPools = [.. active, .. avoided],
                Tags = BackfillRules.Tags(group, activityId),
                ClientToken = index => BackfillRules.ClientToken(group.Name, activityId, index),
            },
            CapacityCalls.Once,
            cancellationToken);
    }

    /// <summary>Desired capacity (and MaxSize, when raised) noted before they change, then AttachInstances.</summary>
    private async Task<BackfillRecord> AttachAsync(BackfillRecord record, AutoScalingGroupInfo group, string successor, CancellationToken cancellationToken)
    {
        if (record.DesiredBefore is null)
        {
            record = record with { DesiredBefore = group.DesiredCapacity };
            await backfills.SaveProgressAsync(record, cancellationToken);
        }

        await _membership.RaiseMaxSizeIfFullAsync(
            group,
            async (originalMax, ct) =>
            {
                if (record.MaxRaisedFrom is null)
                {
                    record = record with { MaxRaisedFrom = originalMax };
                    await backfills.SaveProgressAsync(record, ct);
                }
            },
            CapacityCalls.Once,
            cancellationToken);
        await _membership.AttachAsync(group.Name, successor, CapacityCalls.Once, cancellationToken);
        return record;
    }

    /// <summary>Desired capacity back to what it was before the attach (never above), then MaxSize; says what changed.</summary>
    private async Task<string> RestoreAsync(BackfillRecord record, CancellationToken cancellationToken)
    {
        string said = "";
        if (record.DesiredBefore is int before
            && await autoScaling.DescribeGroupAsync(record.GroupName, cancellationToken) is { } group
            && group.DesiredCapacity > before)
        {
            await autoScaling.SetDesiredCapacityAsync(record.GroupName, before, honorCooldown: false, cancellationToken);
            said = $"; desired capacity put back {group.DesiredCapacity} -> {before}";
        }
        else if (record.DesiredBefore is int unchanged)
        {
            said = $"; desired capacity {unchanged} unchanged";
        }

        if (record.MaxRaisedFrom is int originalMax
            && await _membership.RestoreMaxSizeAsync(record.GroupName, originalMax, CapacityCalls.Once, cancellationToken))
        {
            said += $"; MaxSize restored to {originalMax}";
        }

        return said;
    }

    /// <summary>Polls until the successor runs (or is gone); past <see cref="BackfillOptions.RunningWait"/> the run fails.</summary>
    private async Task<InstanceFacts> WaitUntilRunningAsync(string instanceId, CancellationToken cancellationToken)
    {
        DateTimeOffset giveUpAt = clock.GetUtcNow() + options.RunningWait;
        while (true)
        {
            InstanceFacts? facts = await inventory.DescribeInstanceAsync(instanceId, cancellationToken);
            if (facts is { State: "running" } or { IsGone: true })
            {
                return facts;
            }

            if (clock.GetUtcNow() + options.PollInterval > giveUpAt)
            {
                throw new TimeoutException($"backfill successor {instanceId} is {facts?.State ?? "not yet visible"} after {options.RunningWait.TotalSeconds:0} s; the retry attaches it");
            }

            // A just-launched instance can be missing from DescribeInstances for a moment (eventual consistency).
            await Task.Delay(options.PollInterval, clock, cancellationToken);
        }
    }

    private DispatchResult Duplicate(MaxGroupEvent.AutoScalingLaunch launch, BackfillRecord record)
    {
        Record(BackfillOutcomes.Duplicate);
        string state = record.Status == BackfillStatus.Done ? $"done ({record.Outcome})" : "in progress";
        return new DispatchResult
        {
            Status = DispatchStatus.Duplicate,
            Reason = $"backfill of {record.GroupName} for activity {record.ActivityId} already {state}, first event {record.EventId}",
            EventId = launch.Id,
            DetailType = launch.DetailType,
            InstanceId = record.SuccessorInstanceId,
            GroupName = record.GroupName,
            Steps = [StepName],
        };
    }

    private DispatchResult Outcome(MaxGroupEvent.AutoScalingLaunch launch, string outcome, string reason)
    {
        Record(outcome);
        logger.LogInformation("Backfill {Outcome} for {GroupName}: {Reason}", outcome, launch.Event.Detail.AutoScalingGroupName, reason);
        return DispatchResult.NoOp(launch, reason, groupName: launch.Event.Detail.AutoScalingGroupName) with { Steps = [StepName] };
    }

    private void Record(string outcome) =>
        metrics.Record("Backfills", 1, MetricUnit.Count, new Dictionary<string, string> { ["Outcome"] = outcome });
}
