using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Steps;
using MaxGroup.Core.Steps.Capacity;
using MaxGroup.Core.Steps.Volume;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Preaction;

/// <summary>The hand-over of an old instance: data volume kept, drain and Consul in-process, detach with decrement; the volume follows after termination.</summary>
public sealed partial class PreactionExecutor
{
    private async Task<PreactionSwap> HandOverAndDetachAsync(PreactionBatch batch, PreactionSwap swap, GroupConfig config, List<string> actions, CancellationToken cancellationToken)
    {
        string successor = swap.SuccessorInstanceId!;
        AutoScalingGroupInfo? group = await _autoScaling.DescribeGroupAsync(batch.GroupName, cancellationToken);
        if (group is null)
        {
            return Fail(swap, "the group is gone");
        }

        if (!group.Instances.Any(i => i.InstanceId == successor && i.LifecycleState == "InService"))
        {
            // Never below the capacity the group had: the old instance leaves only for an InService successor.
            return GiveUpIfLate(swap, $"successor {successor} is not InService yet");
        }

        IReadOnlyList<InstanceFacts> found = await _instances.DescribeInstancesAsync([swap.OldInstanceId], cancellationToken);
        InstanceFacts? old = found.FirstOrDefault();
        bool oldIsMember = group.Instances.Any(i => i.InstanceId == swap.OldInstanceId && i.LifecycleState is "InService" or "Standby");
        if (old is null || old.IsGone || !oldIsMember)
        {
            // AWS (or someone) took the old instance first; the successor already stands in for it.
            actions.Add($"{swap.OldInstanceId} already left the group");
            return swap with { Phase = SwapPhase.Detached, TerminateDueAt = _clock.GetUtcNow(), Note = "old instance already left the group" };
        }

        DateTimeOffset now = _clock.GetUtcNow();
        DateTimeOffset terminateAt = now + TimeSpan.FromSeconds(config.PreactionTerminationDelaySeconds);
        DateTimeOffset handOverEnd = now + _options.HandOverWindow > terminateAt ? now + _options.HandOverWindow : terminateAt;
        RemediationRequest request = HandOverRequest(batch, old, config, successor, now, handOverEnd);

        if (config.HasVolumeStep && _volumes is not null)
        {
            StepOutcome volume = await _volumes.PrepareAsync(request with { Step = StepNames.Volume }, cancellationToken);
            if (volume.Status == StepStatus.Failed)
            {
                // The data volume must survive the termination; without that the old instance is not let go.
                return swap with { Note = $"volume: {volume.Reason}; detach retried next run" };
            }

            actions.Add($"volume of {swap.OldInstanceId}: {volume.Status} {volume.Reason}");
        }

        foreach (string name in new[] { StepNames.Drain, StepNames.Consul })
        {
            bool wanted = name == StepNames.Drain ? config.HasDrainStep : config.HasConsulStep;
            if (!wanted || !_handOverSteps.TryGetValue(name, out IRemediationStep? step))
            {
                continue;
            }

            // During preaction the drain waits for the successor node by preaction_k8s_delay_draining_secs, not the interruption's delay.
            RemediationRequest stepRequest = name == StepNames.Drain
                ? request with { Step = name, Config = config with { K8sDelayDrainingSecs = config.PreactionK8sDelayDrainingSecs } }
                : request with { Step = name };
            StepOutcome outcome = await RunHandOverStepAsync(step, stepRequest, handOverEnd, cancellationToken);
            actions.Add($"{name} of {swap.OldInstanceId}: {outcome.Status} {outcome.Reason}");
            if (!outcome.IsSuccess)
            {
                // Preaction is not forced by AWS: rather than cut a node off undrained, try again next run.
                return swap with { Note = $"{name}: {outcome.Status} {outcome.Reason}; detach retried next run" };
            }
        }

        await _membership.DetachAsync(group.Name, swap.OldInstanceId, decrementDesired: true, CapacityCalls.Once, cancellationToken);
        actions.Add($"detached {swap.OldInstanceId} with decrement; termination due at {terminateAt:O}");
        _metrics.Record("PreactionSwaps", 1, MetricUnit.Count, new Dictionary<string, string> { ["OldType"] = swap.OldType, ["NewType"] = swap.NewType });
        _logger.LogInformation("Preaction detached {InstanceId} ({OldType}); {SuccessorId} ({NewType}) serves instead", swap.OldInstanceId, swap.OldType, successor, swap.NewType);
        return swap with { Phase = SwapPhase.Detached, TerminateDueAt = terminateAt, Note = $"detached; termination due at {terminateAt:O}" };
    }

    private async Task<StepOutcome> RunHandOverStepAsync(IRemediationStep step, RemediationRequest request, DateTimeOffset end, CancellationToken cancellationToken)
    {
        TimeSpan left = end - _clock.GetUtcNow();
        using var window = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1), _clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(window.Token, cancellationToken);
        try
        {
            return await step.RunAsync(request, linked.Token);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            return StepOutcome.Skipped("out of time in this run");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogError(ex, "Preaction hand-over step {Step} for {InstanceId} failed", step.Name, request.Instance.InstanceId);
            return StepOutcome.Failed($"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private async Task<PreactionSwap> FinishVolumeAsync(PreactionSwap swap, GroupConfig config, List<string> actions, CancellationToken cancellationToken)
    {
        if (!config.HasVolumeStep || _volumes is null)
        {
            return swap with { Phase = SwapPhase.Done, Note = "replaced" };
        }

        IReadOnlyList<VolumeMoveResult> results = await _volumes.OnInstanceStateChangeAsync(swap.OldInstanceId, "terminated", cancellationToken);
        foreach (VolumeMoveResult result in results)
        {
            actions.Add($"volume {result.VolumeId}: {result.Outcome.Status} {result.Outcome.Reason}");
        }

        if (results.All(r => r.Outcome.Status == StepStatus.Done))
        {
            return swap with { Phase = SwapPhase.Done, Note = results.Count == 0 ? "replaced; no open volume move" : "replaced; data volume moved" };
        }

        // The volume function's state-change trigger and sweep keep working on the move; the batch does not wait forever.
        DateTimeOffset giveUp = (swap.TerminateDueAt ?? _clock.GetUtcNow()) + _options.HandOverWindow;
        return _clock.GetUtcNow() >= giveUp
            ? swap with { Phase = SwapPhase.Done, Note = "replaced; the data volume move continues in the volume function (state-change trigger, sweep)" }
            : swap with { Note = "terminated; data volume move in progress" };
    }

    private RemediationRequest HandOverRequest(PreactionBatch batch, InstanceFacts old, GroupConfig config, string successor, DateTimeOffset now, DateTimeOffset end) => new()
    {
        Step = StepNames.Drain,
        EventId = $"preaction-{batch.BatchId}-{old.InstanceId}",
        InstanceAction = "terminate",
        WarningTime = now,
        ReclaimAt = end,
        Instance = old,
        Config = config,
        Trigger = HandoverTrigger.Preaction,
        SuccessorInstanceId = successor,
    };
}
