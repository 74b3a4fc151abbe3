using System.Globalization;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Steps;
using MaxGroup.Core.Steps.Capacity;
using MaxGroup.Core.Steps.Volume;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Preaction;

/// <summary>
/// Runs preaction for one group as a state machine advanced by each scheduled run: start a batch (launch the
/// successors of the planned swaps), attach them, after preaction_detach_delay_seconds hand the old instances over
/// (data volume kept, drain, Consul) and detach them with decrement, after preaction_termination_delay_seconds
/// terminate them, then let the data volume follow. Capacity never drops: an old instance leaves only once its
/// successor is InService. One batch per group at a time; a dry run plans and changes nothing.
/// </summary>
public sealed class PreactionExecutor
{
    private readonly IAutoScalingApi _autoScaling;
    private readonly IPreactionInstanceApi _instances;
    private readonly ISuccessorLauncher _launcher;
    private readonly IPreactionBatchStore _store;
    private readonly ISpotAdvisorSource _advisor;
    private readonly VolumeMover? _volumes;
    private readonly IReadOnlyDictionary<string, IRemediationStep> _handOverSteps;
    private readonly TimeProvider _clock;
    private readonly IMetrics _metrics;
    private readonly ILogger _logger;
    private readonly PreactionOptions _options;

    /// <summary>
    /// <paramref name="handOverSteps"/>: the drain and Consul steps, run in-process on the old instance before it is detached.
    /// <paramref name="volumes"/>: the volume move; null refuses swaps in groups with persistence_dev.
    /// </summary>
    public PreactionExecutor(
        IAutoScalingApi autoScaling,
        IPreactionInstanceApi instances,
        ISuccessorLauncher launcher,
        IPreactionBatchStore store,
        ISpotAdvisorSource advisor,
        VolumeMover? volumes,
        IEnumerable<IRemediationStep> handOverSteps,
        TimeProvider clock,
        IMetrics metrics,
        ILogger logger,
        PreactionOptions options)
    {
        ArgumentNullException.ThrowIfNull(handOverSteps);
        _autoScaling = autoScaling;
        _instances = instances;
        _launcher = launcher;
        _store = store;
        _advisor = advisor;
        _volumes = volumes;
        _handOverSteps = handOverSteps.ToDictionary(s => s.Name, StringComparer.Ordinal);
        _clock = clock;
        _metrics = metrics;
        _logger = logger;
        _options = options;
    }

    /// <summary>One run for one group: advance its open batch, or plan (and unless dry run, start) a new one.</summary>
    public async Task<PreactionGroupResult> RunGroupAsync(GroupConfig config, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        string groupName = config.GroupName;
        dryRun |= config.DryRun;
        AutoScalingGroupInfo? group = await DescribeGroupAsync(groupName, cancellationToken);
        if (group is null)
        {
            return new PreactionGroupResult { GroupName = groupName, Status = "skipped", Reason = "Auto Scaling group not found", DryRun = dryRun };
        }

        PreactionBatch? batch = await _store.GetAsync(groupName, cancellationToken);
        if (batch is { IsOpen: true })
        {
            if (dryRun)
            {
                return new PreactionGroupResult
                {
                    GroupName = groupName,
                    Status = "planned",
                    Reason = $"batch {batch.BatchId} is in flight; a run would advance it (no new batch until it is finished)",
                    DryRun = true,
                    Batch = batch,
                };
            }

            var actions = new List<string>();
            batch = await AdvanceAsync(batch, config, actions, cancellationToken);
            return new PreactionGroupResult { GroupName = groupName, Status = "advanced", DryRun = false, Batch = batch, Actions = actions };
        }

        if (!PreactionSchedule.IsDue(config.PreactionSnapshotIntervalMinutes, _options.ScheduleInterval, _clock.GetUtcNow()))
        {
            string why = config.PreactionSnapshotIntervalMinutes == 0
                ? "preaction_snapshot_interval_minutes is 0: no preaction schedule for this group"
                : $"preaction_snapshot_interval_minutes is {config.PreactionSnapshotIntervalMinutes}: not due in this run";
            return new PreactionGroupResult { GroupName = groupName, Status = "idle", Reason = why, DryRun = dryRun };
        }

        SpotAdvisorData advisor = await _advisor.GetAsync(cancellationToken);
        List<string> memberIds = group.Instances.Select(i => i.InstanceId).ToList();
        IReadOnlyList<InstanceFacts> facts = memberIds.Count == 0 ? [] : await _instances.DescribeInstancesAsync(memberIds, cancellationToken);
        PreactionPlan plan = PreactionPlanner.Plan(
            group, config, facts.ToDictionary(f => f.InstanceId, StringComparer.Ordinal), advisor, _options.Region, _options.BucketThreshold);
        string? missing = MissingHandOver(config);
        if (missing is not null && plan.Swaps.Count > 0)
        {
            plan = plan with { Swaps = [], Notes = [.. plan.Notes, missing] };
        }

        IReadOnlyList<string> planned = plan.Swaps.Select(s => $"would replace {s}").ToList();
        if (!dryRun && advisor.IsFallback && !_options.ActOnFallbackData && plan.Swaps.Count > 0)
        {
            return new PreactionGroupResult
            {
                GroupName = groupName,
                Status = "skipped",
                Reason = $"the advisor download failed and the trimmed snapshot ({advisor.Origin}) is only planned with; set {PreactionOptions.ActOnFallbackVariable}=true to act on it",
                Plan = plan,
                Actions = planned,
            };
        }

        if (dryRun)
        {
            foreach (string line in planned)
            {
                _logger.LogInformation("Preaction dry run for {GroupName}: {Action}", groupName, line);
            }

            return new PreactionGroupResult { GroupName = groupName, Status = "planned", DryRun = true, Plan = plan, Actions = planned, Reason = Summary(plan) };
        }

        if (plan.Swaps.Count == 0)
        {
            return new PreactionGroupResult { GroupName = groupName, Status = "idle", Plan = plan, Reason = Summary(plan) };
        }

        DateTimeOffset now = _clock.GetUtcNow();
        batch = new PreactionBatch
        {
            GroupName = groupName,
            BatchId = "pa" + now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            StartedAt = now,
            UpdatedAt = now,
            Swaps = plan.Swaps.Select(s => new PreactionSwap
            {
                OldInstanceId = s.InstanceId,
                OldType = s.OldType,
                OldBucket = s.OldBucket,
                NewType = s.NewType,
                NewBucket = s.NewBucket,
                AvailabilityZone = s.AvailabilityZone,
                SubnetId = s.SubnetId,
            }).ToList(),
        };
        if (!await _store.TryStartAsync(batch, cancellationToken))
        {
            return new PreactionGroupResult { GroupName = groupName, Status = "skipped", Reason = "another run started a batch for this group", Plan = plan };
        }

        batch = batch with { Version = 1 };
        _logger.LogInformation("Preaction batch {BatchId} for {GroupName}: {Swaps}", batch.BatchId, groupName, string.Join("; ", plan.Swaps));
        var done = new List<string>();
        batch = await AdvanceAsync(batch, config, done, cancellationToken);
        return new PreactionGroupResult { GroupName = groupName, Status = "started", Plan = plan, Batch = batch, Actions = done };
    }

    private string? MissingHandOver(GroupConfig config)
    {
        if (config.HasDrainStep && !_handOverSteps.ContainsKey(StepNames.Drain))
        {
            return "k8s_node_drain_option is on but this deployment cannot drain from preaction: no swaps";
        }

        if (config.HasConsulStep && !_handOverSteps.ContainsKey(StepNames.Consul))
        {
            return "consul_port is set but this deployment cannot deregister from preaction: no swaps";
        }

        return config.HasVolumeStep && _volumes is null
            ? "persistence_dev is set but this deployment cannot move volumes from preaction: no swaps"
            : null;
    }

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
                    // Left where it was: the next run retries the same step (every step is idempotent).
                    _logger.LogWarning("Preaction step for {InstanceId} failed with {ErrorCode}: {Message}; retried next run", swap.OldInstanceId, ex.ErrorCode, ex.Message);
                    swap = swap with { Note = $"{swap.Phase}: {ex.ErrorCode} {ex.Message}; retried next run" };
                }

                batch = await SaveAsync(batch with { Swaps = Replace(batch.Swaps, index, swap) }, cancellationToken);
            }
            while (swap.Phase != before.Phase && !swap.IsFinished);
        }

        if (!batch.IsOpen && batch.MaxSizeRaisedFrom is int originalMax)
        {
            AutoScalingGroupInfo? group = await DescribeGroupAsync(batch.GroupName, cancellationToken);
            if (group is not null && group.MaxSize > originalMax && group.DesiredCapacity <= originalMax)
            {
                await _autoScaling.UpdateAutoScalingGroupAsync(batch.GroupName, null, originalMax, cancellationToken);
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
        AutoScalingGroupInfo? group = await DescribeGroupAsync(batch.GroupName, cancellationToken);
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
            try
            {
                successor = await _launcher.LaunchAsync(
                    new SuccessorLaunchSpec
                    {
                        LaunchTemplate = template,
                        Candidate = new LaunchCandidate(swap.NewType, PurchaseMarket.Spot),
                        // Same subnet, so the same AZ: a data volume can follow, and the group's AZ balance is kept.
                        SubnetId = old.SubnetId ?? swap.SubnetId,
                        AvailabilityZone = old.AvailabilityZone,
                        Tags = tags,
                        ClientToken = $"preaction-{batch.BatchId}-{swap.OldInstanceId}",
                    },
                    cancellationToken);
            }
            catch (RemoteApiException ex) when (CapacityErrors.IsCapacityError(ex.ErrorCode))
            {
                return Fail(swap, $"no Spot capacity for {swap.NewType} in {swap.AvailabilityZone} ({ex.ErrorCode}); the old instance stays");
            }
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

        AutoScalingGroupInfo? group = await DescribeGroupAsync(batch.GroupName, cancellationToken);
        if (group is null)
        {
            return (batch, Fail(swap, "the group is gone"));
        }

        if (!group.Instances.Any(i => i.InstanceId == successor))
        {
            if (group.DesiredCapacity + 1 > group.MaxSize)
            {
                // Recorded before the change, so a crash in between still gets MaxSize restored when the batch closes.
                if (batch.MaxSizeRaisedFrom is null)
                {
                    batch = await SaveAsync(batch with { MaxSizeRaisedFrom = group.MaxSize }, cancellationToken);
                }

                await _autoScaling.UpdateAutoScalingGroupAsync(group.Name, null, group.DesiredCapacity + 1, cancellationToken);
                actions.Add($"raised MaxSize to {group.DesiredCapacity + 1} for the successor");
            }

            await _autoScaling.AttachInstancesAsync(group.Name, [successor], cancellationToken);
            actions.Add($"attached {successor}");
        }

        DateTimeOffset due = _clock.GetUtcNow() + TimeSpan.FromSeconds(config.PreactionDetachDelaySeconds);
        return (batch, swap with { Phase = SwapPhase.Attached, DetachDueAt = due, Note = $"attached; detach of the old instance due at {due:O}" });
    }

    private async Task<PreactionSwap> HandOverAndDetachAsync(PreactionBatch batch, PreactionSwap swap, GroupConfig config, List<string> actions, CancellationToken cancellationToken)
    {
        string successor = swap.SuccessorInstanceId!;
        AutoScalingGroupInfo? group = await DescribeGroupAsync(batch.GroupName, cancellationToken);
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

        await _autoScaling.DetachInstancesAsync(group.Name, [swap.OldInstanceId], true, cancellationToken);
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

    private async Task<AutoScalingGroupInfo?> DescribeGroupAsync(string groupName, CancellationToken cancellationToken)
    {
        IReadOnlyList<AutoScalingGroupInfo> groups = await _autoScaling.DescribeAutoScalingGroupsAsync([groupName], cancellationToken);
        return groups.FirstOrDefault(g => g.Name == groupName);
    }

    private static IReadOnlyList<PreactionSwap> Replace(IReadOnlyList<PreactionSwap> swaps, int index, PreactionSwap swap)
    {
        var copy = swaps.ToList();
        copy[index] = swap;
        return copy;
    }

    private static string Summary(PreactionPlan plan) =>
        plan.Swaps.Count > 0
            ? $"{plan.Swaps.Count} swap(s): {string.Join("; ", plan.Swaps)}"
            : plan.Notes.Count > 0 ? string.Join("; ", plan.Notes) : "no instance of a risky type with a safer allowed alternative";
}
