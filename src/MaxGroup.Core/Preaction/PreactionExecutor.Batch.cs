using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Steps.Capacity;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Preaction;

/// <summary>The batch's state machine: launch, attach, then (in the hand-over file) detach, terminate, volume; saved after each change.</summary>
public sealed partial class PreactionExecutor
{
    /// <summary>Moves every unfinished swap forward by the steps that are due, saving after each change.</summary>
    private async Task<PreactionBatch> AdvanceAsync(PreactionBatch batch, GroupConfig config, List<string> actions, CancellationToken cancellationToken)
    {
        for (int index = 0; index < batch.Swaps.Count; index++)
        {
            PreactionSwap swap = batch.Swaps[index];
            if (swap.IsFinished)
            {
                continue;
            }

            PreactionSwap before;
            do
            {
                before = swap;
                try
                {
                    (batch, swap) = await StepAsync(batch, swap, config, actions, cancellationToken);
                }
                catch (RemoteApiException ex)
                {
                    swap = RetriedNextRun(swap, ex);
                }

                batch = await SaveAsync(batch with { Swaps = Replace(batch.Swaps, index, swap) }, cancellationToken);
                if (swap.Phase == SwapPhase.Done && before.Phase != SwapPhase.Done && swap.Kind != SwapKind.Advisor)
                {
                    // Counted once, when the fallback has really left for its Spot successor.
                    _metrics.Record(swap.Kind == SwapKind.OnDemandFallback ? "OnDemandReverted" : "AlternativeReverted", 1, MetricUnit.Count);
                }
            }
            while (swap.Phase != before.Phase && !swap.IsFinished);
        }

        if (!batch.IsOpen && batch.MaxSizeRaisedFrom is int originalMax)
        {
            if (await _membership.RestoreMaxSizeAsync(batch.GroupName, originalMax, CapacityCalls.Once, cancellationToken))
            {
                actions.Add($"restored MaxSize {originalMax}");
            }

            batch = await SaveAsync(batch with { MaxSizeRaisedFrom = null }, cancellationToken);
        }

        return batch;
    }

    /// <summary>One step of one swap, if it is due; returns the swap unchanged when nothing is due yet.</summary>
    private async Task<(PreactionBatch Batch, PreactionSwap Swap)> StepAsync(
        PreactionBatch batch, PreactionSwap swap, GroupConfig config, List<string> actions, CancellationToken cancellationToken)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        switch (swap.Phase)
        {
            case SwapPhase.Planned:
                return (batch, await LaunchAsync(batch, swap, actions, cancellationToken));

            case SwapPhase.Launched:
                return await AttachAsync(batch, swap, config, actions, cancellationToken);

            case SwapPhase.Attached:
                if (now < swap.DetachDueAt)
                {
                    return (batch, swap);
                }

                return (batch, await HandOverAndDetachAsync(batch, swap, config, actions, cancellationToken));

            case SwapPhase.Detached:
                if (now < swap.TerminateDueAt)
                {
                    return (batch, swap);
                }

                await _instances.TerminateAsync(swap.OldInstanceId, cancellationToken);
                actions.Add($"terminated {swap.OldInstanceId}");
                _logger.LogInformation("Preaction terminated {InstanceId} (replaced by {SuccessorId})", swap.OldInstanceId, swap.SuccessorInstanceId);
                return (batch, swap with { Phase = SwapPhase.Terminated, Note = "terminated" });

            case SwapPhase.Terminated:
                return (batch, await FinishVolumeAsync(swap, config, actions, cancellationToken));

            default:
                return (batch, swap);
        }
    }

    private async Task<PreactionSwap> LaunchAsync(PreactionBatch batch, PreactionSwap swap, List<string> actions, CancellationToken cancellationToken)
    {
        AutoScalingGroupInfo? group = await _autoScaling.DescribeGroupAsync(batch.GroupName, cancellationToken);
        IReadOnlyList<InstanceFacts> found = await _instances.DescribeInstancesAsync([swap.OldInstanceId], cancellationToken);
        InstanceFacts? old = found.FirstOrDefault();
        if (group is null || old is null || old.State != "running" || !group.Instances.Any(i => i.InstanceId == swap.OldInstanceId && i.LifecycleState == "InService"))
        {
            return Fail(swap, "the old instance is no longer running InService in the group: nothing to replace");
        }

        LaunchTemplateRef? template = ReplacementPlanner.Template(group, old);
        if (template is null)
        {
            return Fail(swap, "the group has no launch template to launch a successor from");
        }

        // Marked first: the function may terminate only instances carrying this tag.
        await _instances.MarkAsync(swap.OldInstanceId, batch.BatchId, cancellationToken);
        string? successor = await _launcher.FindSuccessorAsync(swap.OldInstanceId, cancellationToken);
        if (successor is null)
        {
            var tags = new Dictionary<string, string>(ReplacementPlanner.Tags(group, swap.OldInstanceId)) { [PreactionTags.Batch] = batch.BatchId };
            SuccessorLaunchResult launched = await _successorLaunch.LaunchAsync(
                new SuccessorLaunchRequest
                {
                    LaunchTemplate = template,
                    // The planner chose the one safer type: no other candidate to fall back on.
                    Candidates = [new LaunchCandidate(swap.NewType, PurchaseMarket.Spot)],
                    // Same subnet, so the same AZ: a data volume can follow, and the group's AZ balance is kept.
                    SubnetId = old.SubnetId ?? swap.SubnetId,
                    AvailabilityZone = old.AvailabilityZone,
                    Tags = tags,
                    ClientToken = _ => $"preaction-{batch.BatchId}-{swap.OldInstanceId}",
                },
                CapacityCalls.Once,
                cancellationToken);
            if (launched.InstanceId is null)
            {
                return Fail(swap, $"no Spot capacity for {swap.NewType} in {swap.AvailabilityZone} ({launched.Attempts[^1].ErrorCode}); the old instance stays");
            }

            successor = launched.InstanceId;
        }

        actions.Add($"launched {successor} ({swap.NewType}) to replace {swap.OldInstanceId} ({swap.OldType})");
        _logger.LogInformation("Preaction launched {SuccessorId} ({NewType}) to replace {InstanceId} ({OldType})", successor, swap.NewType, swap.OldInstanceId, swap.OldType);
        return swap with { Phase = SwapPhase.Launched, SuccessorInstanceId = successor, LaunchedAt = _clock.GetUtcNow(), Note = "successor launched" };
    }

    private async Task<(PreactionBatch Batch, PreactionSwap Swap)> AttachAsync(
        PreactionBatch batch, PreactionSwap swap, GroupConfig config, List<string> actions, CancellationToken cancellationToken)
    {
        string successor = swap.SuccessorInstanceId!;
        IReadOnlyList<InstanceFacts> found = await _instances.DescribeInstancesAsync([successor], cancellationToken);
        InstanceFacts? facts = found.FirstOrDefault();
        if (facts is null || facts.IsGone)
        {
            return (batch, Fail(swap, $"successor {successor} is gone before it was attached; the old instance stays"));
        }

        if (facts.State != "running")
        {
            return (batch, GiveUpIfLate(swap, $"successor {successor} is {facts.State}"));
        }

        AutoScalingGroupInfo? group = await _autoScaling.DescribeGroupAsync(batch.GroupName, cancellationToken);
        if (group is null)
        {
            return (batch, Fail(swap, "the group is gone"));
        }

        if (!group.Instances.Any(i => i.InstanceId == successor))
        {
            try
            {
                // Recorded before the change, so a crash in between still gets MaxSize restored when the batch closes.
                int? raisedFrom = await _membership.RaiseMaxSizeIfFullAsync(
                    group,
                    async (originalMax, ct) =>
                    {
                        if (batch.MaxSizeRaisedFrom is null)
                        {
                            batch = await SaveAsync(batch with { MaxSizeRaisedFrom = originalMax }, ct);
                        }
                    },
                    CapacityCalls.Once,
                    cancellationToken);
                if (raisedFrom is int from)
                {
                    actions.Add($"raised MaxSize to {from + 1} for the successor");
                }

                await _membership.AttachAsync(group.Name, successor, CapacityCalls.Once, cancellationToken);
                actions.Add($"attached {successor}");
            }
            catch (RemoteApiException ex)
            {
                // The MaxSize note may be saved by now: hand back the batch as stored, or the caller's save would be stale.
                return (batch, RetriedNextRun(swap, ex));
            }
        }

        DateTimeOffset due = _clock.GetUtcNow() + TimeSpan.FromSeconds(config.PreactionDetachDelaySeconds);
        return (batch, swap with { Phase = SwapPhase.Attached, DetachDueAt = due, Note = $"attached; detach of the old instance due at {due:O}" });
    }

    /// <summary>Left where it was: the next run retries the same step (every step is idempotent).</summary>
    private PreactionSwap RetriedNextRun(PreactionSwap swap, RemoteApiException ex)
    {
        _logger.LogWarning("Preaction step for {InstanceId} failed with {ErrorCode}: {Message}; retried next run", swap.OldInstanceId, ex.ErrorCode, ex.Message);
        return swap with { Note = $"{swap.Phase}: {ex.ErrorCode} {ex.Message}; retried next run" };
    }

    private PreactionSwap GiveUpIfLate(PreactionSwap swap, string why)
    {
        DateTimeOffset since = swap.LaunchedAt ?? _clock.GetUtcNow();
        return _clock.GetUtcNow() - since > _options.SuccessorGiveUpAfter
            ? Fail(swap, $"{why} after {_options.SuccessorGiveUpAfter.TotalMinutes:0} minutes; the old instance stays")
            : swap with { Note = $"{why}; waiting" };
    }

    private PreactionSwap Fail(PreactionSwap swap, string reason)
    {
        _logger.LogWarning("Preaction swap of {InstanceId} given up: {Reason}", swap.OldInstanceId, reason);
        _metrics.Record("PreactionSwapsFailed", 1, MetricUnit.Count, new Dictionary<string, string> { ["OldType"] = swap.OldType, ["NewType"] = swap.NewType });
        return swap with { Phase = SwapPhase.Failed, Note = reason };
    }

    private async Task<PreactionBatch> SaveAsync(PreactionBatch batch, CancellationToken cancellationToken)
    {
        PreactionBatch stamped = batch with { UpdatedAt = _clock.GetUtcNow() };
        if (!await _store.TrySaveAsync(stamped, cancellationToken))
        {
            throw new InvalidOperationException($"preaction batch {batch.BatchId} of {batch.GroupName} was changed by another run");
        }

        return stamped with { Version = stamped.Version + 1 };
    }

    private static IReadOnlyList<PreactionSwap> Replace(IReadOnlyList<PreactionSwap> swaps, int index, PreactionSwap swap)
    {
        var copy = swaps.ToList();
        copy[index] = swap;
        return copy;
    }
}
