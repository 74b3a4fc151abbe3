using MaxGroup.Core.Ledger;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Steps.Volume;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Dispatch;

/// <summary>
/// Turns one EventBridge event into work. For a Spot warning, three round trips before the steps start: (1) the ledger
/// record ∥ the instance ∥ a successor already launched for it; (2) the group's config ∥ the group itself ∥, once the
/// config names a data volume, DeleteOnTermination turned off for it (the hand-over's first change, so no crash point
/// precedes it); (3) the ledger begin (the conditional write that makes duplicates harmless, takes the in-flight slot and
/// marks the replace step Running). Then the group's remediation steps start in parallel. A warning redelivered for a
/// hand-over still open resumes its steps (a run that died halfway is taken over); so do a state change and the sweep.
/// Other event types are routed to the component that owns them.
/// </summary>
public sealed class Dispatcher : IQueuedInterruptionResumer
{
    private readonly IInstanceInventory _inventory;
    private readonly IGroupConfigSource _configs;
    private readonly ILedger _ledger;
    private readonly IFunctionInvoker _invoker;
    private readonly IVolumeTriggers _volumeTriggers;
    private readonly DispatcherOptions _options;
    private readonly TimeProvider _clock;
    private readonly IMetrics _metrics;
    private readonly ILogger _logger;
    // Describes the group alongside the config read, for the replace step; null = the step describes it.
    private readonly IAutoScalingApi? _autoScaling;
    // Searches for a successor pre-launched on a rebalance recommendation alongside the instance lookup; null = the step searches.
    private readonly ISuccessorLauncher? _successors;
    private readonly StepStarter _starter;
    private HandoverResumer? _resumer;

    public Dispatcher(
        IInstanceInventory inventory,
        IGroupConfigSource configs,
        ILedger ledger,
        IFunctionInvoker invoker,
        IVolumeTriggers volumeTriggers,
        DispatcherOptions options,
        TimeProvider clock,
        IMetrics metrics,
        ILogger logger,
        IAutoScalingApi? autoScaling = null,
        ISuccessorLauncher? successors = null)
    {
        _autoScaling = autoScaling;
        _successors = successors;
        _inventory = inventory;
        _configs = configs;
        _ledger = ledger;
        _invoker = invoker;
        _volumeTriggers = volumeTriggers;
        _options = options;
        _clock = clock;
        _metrics = metrics;
        _logger = logger;
        _starter = new StepStarter(ledger, invoker, clock, logger);
    }

    /// <summary>
    /// Turns DeleteOnTermination off for a group's data volume before the begin (and again on a resume); null = the volume
    /// step alone does it (then a run killed before the volume step can lose the volume: production always sets it).
    /// </summary>
    public DataVolumeGuard? VolumeGuard { get; init; }

    /// <summary>Restarts hand-overs whose run may have died: on a redelivered warning, a state change, the sweep.</summary>
    public HandoverResumer Resumer => _resumer ??= new HandoverResumer(_inventory, _configs, _ledger, _starter, VolumeGuard, _clock, _metrics, _logger);

    /// <summary>Pre-warms successors on rebalance recommendations and sweeps unused ones; null = recommendations are a no-op.</summary>
    public IRebalanceHandler? Rebalance { get; init; }

    /// <summary>The remediation steps a group's configuration enables; replace always comes first.</summary>
    public static IReadOnlyList<string> PlanSteps(GroupConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var steps = new List<string> { StepNames.Replace };
        if (config.HasVolumeStep)
        {
            steps.Add(StepNames.Volume);
        }

        if (config.HasDrainStep)
        {
            steps.Add(StepNames.Drain);
        }

        if (config.HasConsulStep)
        {
            steps.Add(StepNames.Consul);
        }

        return steps;
    }

    public async Task<DispatchResult> DispatchAsync(MaxGroupEvent maxGroupEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(maxGroupEvent);
        DispatchResult result = maxGroupEvent switch
        {
            MaxGroupEvent.SpotInterruption warning => await HandleWarningAsync(warning, cancellationToken),
            MaxGroupEvent.InstanceStateChange stateChange => await OnStateChangeAsync(stateChange, cancellationToken),
            MaxGroupEvent.AutoScalingLaunch launch => await _volumeTriggers.OnInstanceLaunchAsync(launch, cancellationToken),
            MaxGroupEvent.Scheduled scheduled => await _volumeTriggers.SweepAsync(scheduled, cancellationToken),
            MaxGroupEvent.RebalanceRecommendation rebalance when Rebalance is not null => await Rebalance.OnRebalanceAsync(rebalance, cancellationToken),
            MaxGroupEvent.RebalanceRecommendation rebalance => DispatchResult.NoOp(
                rebalance, "rebalance recommendations are not acted on yet (is_to_handle_rebalance_event belongs to preaction)", rebalance.Event.Detail.InstanceId),
            MaxGroupEvent.LifecycleAction lifecycle => DispatchResult.NoOp(
                lifecycle, "terminate lifecycle actions are not acted on yet", lifecycle.Event.Detail.InstanceId, lifecycle.Event.Detail.AutoScalingGroupName),
            _ => DispatchResult.NoOp(maxGroupEvent, $"no handler for detail-type {maxGroupEvent.DetailType}"),
        };

        if (maxGroupEvent is MaxGroupEvent.Scheduled && Rebalance is not null)
        {
            await SweepPrewarmsSafelyAsync(Rebalance, cancellationToken);
        }

        if (maxGroupEvent is MaxGroupEvent.Scheduled)
        {
            IReadOnlyList<string> resumed = await Resumer.WatchAsync(_options.SweepWatch, _options.SweepWatchInterval, cancellationToken);
            result = resumed.Count == 0 ? result : result with { Reason = $"{result.Reason} Resumed stalled hand-overs: {string.Join(", ", resumed)}." };
        }

        // Every invocation gives queued interruptions a chance, so a queue drains even when no step reports back.
        IReadOnlyList<string> dequeued = await ResumeQueuedSafelyAsync(cancellationToken);
        result = dequeued.Count > 0 ? result with { Dequeued = dequeued } : result;
        _logger.LogInformation(
            "Dispatch {Status}: {Reason} (event {EventId}, instance {InstanceId}, group {GroupName})",
            result.Status, result.Reason, result.EventId, result.InstanceId, result.GroupName);
        return result;
    }

    /// <summary>Promotes queued interruptions while slots are free and starts their steps.</summary>
    public async Task<IReadOnlyList<string>> ResumeQueuedAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<QueuedInterruption> queued = await _ledger.ListQueuedAsync(cancellationToken);
        var started = new List<string>();
        foreach (QueuedInterruption item in queued.Take(_options.MaxDequeuePerInvocation))
        {
            // A full group cap must not block other groups: try every queued item.
            if (!await _ledger.TryPromoteQueuedAsync(item.InstanceId, _options.Limits, _clock.GetUtcNow(), cancellationToken))
            {
                continue;
            }

            InterruptionRecord? record = await _ledger.GetAsync(item.InstanceId, cancellationToken);
            if (record is null)
            {
                continue;
            }

            started.Add(item.InstanceId);
            InstanceFacts? facts = await _inventory.DescribeInstanceAsync(item.InstanceId, cancellationToken);
            GroupConfigLookup lookup = await _configs.GetAsync(record.GroupName, cancellationToken);
            if (facts is null || !lookup.Managed || lookup.Config is null)
            {
                string reason = facts is null
                    ? "instance disappeared while the interruption was queued"
                    : $"group is no longer managed: {lookup.Reason}";
                await _starter.SkipAllAsync(record, reason, cancellationToken);
                continue;
            }

            _logger.LogInformation("Dequeued interruption of {InstanceId} in {GroupName}", item.InstanceId, record.GroupName);
            if (!record.DryRun && VolumeGuard is not null)
            {
                await VolumeGuard.KeepAsync(facts, lookup.Config, cancellationToken);
            }

            await _starter.StartAsync(record, PendingSteps(record, null), facts, lookup.Config, "dequeued", cancellationToken);
        }

        return started;
    }

    private async Task<DispatchResult> HandleWarningAsync(MaxGroupEvent.SpotInterruption warning, CancellationToken cancellationToken)
    {
        SpotInterruptionDetail detail = warning.Event.Detail;
        string instanceId = detail.InstanceId;
        var deadline = ReclaimDeadline.FromWarning(warning.Time);
        _metrics.Record("InterruptionWarnings", 1, MetricUnit.Count);

        // Stage 1: everything that needs only the instance id, at once. A replayed warning is answered by the ledger
        // read; the EC2 reads it also paid for cost no time.
        // Each call starts on its own thread: a client's synchronous first-use work (building and signing the request)
        // must not hold back the next call's start.
        Task<InterruptionRecord?> existingTask = Task.Run(() => _ledger.GetAsync(instanceId, cancellationToken), cancellationToken);
        Task<InstanceFacts?> factsTask = Task.Run(() => _inventory.DescribeInstanceAsync(instanceId, cancellationToken), cancellationToken);
        Task<string?>? successorTask = _successors is null ? null : Task.Run(() => SearchSuccessorAsync(instanceId, cancellationToken), cancellationToken);
        InterruptionRecord? existing = await AwaitFirstAsync(existingTask, factsTask, successorTask);
        if (existing is not null)
        {
            Observe(successorTask);
            BeginResult seen = await _ledger.TryBeginInterruptionAsync(
                existing with { EventIds = [warning.Id] }, _options.Limits, _clock.GetUtcNow(), cancellationToken);
            return await ResumeOrDuplicateAsync(warning, seen.Record, factsTask, cancellationToken);
        }

        InstanceFacts? facts = await factsTask;
        (bool successorSearched, string? successorId) = successorTask is null ? (false, null) : SuccessorResult(await successorTask);
        if (facts is null)
        {
            return DispatchResult.NoOp(warning, "instance not found", instanceId);
        }

        if (facts.IsGone)
        {
            return DispatchResult.NoOp(warning, $"instance is already {facts.State}", instanceId, facts.GroupName);
        }

        if (facts.GroupName is null)
        {
            return DispatchResult.NoOp(warning, "instance is not in an Auto Scaling group", instanceId);
        }

        // Stage 2: the config and the group the replace step needs, at once; as soon as the config is known, the data
        // volume kept (in parallel with the group's description, so it costs no round trip of its own).
        string groupName = facts.GroupName;
        Task<GroupConfigLookup> lookupTask = Task.Run(() => _configs.GetAsync(groupName, cancellationToken), cancellationToken);
        Task<AutoScalingGroupInfo?>? groupTask = _autoScaling is null ? null : Task.Run(() => DescribeGroupQuietlyAsync(groupName, cancellationToken), cancellationToken);
        GroupConfigLookup lookup = await AwaitFirstAsync(lookupTask, groupTask);
        if (!lookup.Managed || lookup.Config is null)
        {
            Observe(groupTask);
            return DispatchResult.NoOp(warning, $"group is not managed: {lookup.Reason}", instanceId, facts.GroupName);
        }

        GroupConfig config = lookup.Config;
        if (!config.Enabled)
        {
            Observe(groupTask);
            return DispatchResult.NoOp(warning, "group is disabled in its configuration", instanceId, facts.GroupName);
        }

        IReadOnlyList<string> steps = PlanSteps(config);
        bool dryRun = _options.ForceDryRun || config.DryRun;
        Task<BlockDeviceFact?> keptTask = VolumeGuard is null || dryRun || !config.HasVolumeStep
            ? Task.FromResult(DataVolumeGuard.Find(facts.BlockDevices, config))
            : Task.Run(() => VolumeGuard.KeepAsync(facts, config, cancellationToken), cancellationToken);
        BlockDeviceFact? dataVolume = await AwaitFirstAsync(keptTask, groupTask);
        AutoScalingGroupInfo? group = groupTask is null ? null : await groupTask;
        DateTimeOffset now = _clock.GetUtcNow();
        var record = new InterruptionRecord
        {
            InstanceId = instanceId,
            EventIds = [warning.Id],
            GroupName = facts.GroupName,
            WarningTime = deadline.WarningTime,
            ReclaimAt = deadline.ReclaimAt,
            InstanceAction = ActionText(detail.InstanceAction),
            Strategy = config.EffectiveStrategy == ReplacementStrategy.Launch ? "launch" : "detach",
            DryRun = dryRun,
            // Recorded at the begin: a resumed volume step finds the volume by it after the instance (and its list of
            // block devices) is gone.
            VolumeId = config.HasVolumeStep ? dataVolume?.VolumeId : null,
            Steps = steps.Select(s => new StepRecord { Name = s }).ToList(),
            Timeline = [new TimelineEntry(now, "interruption", "warning", warning.Id)],
            CreatedAt = now,
            ExpiresAt = deadline.WarningTime + _options.RecordLifetime,
        };

        // Stage 3: one conditional write creates the record, takes the slot and claims the replace step for the request sent.
        string? claim = _options.ClaimFirstStep ? steps[0] : null;
        // Through Lambda the claim travels as a token the invoked function consumes once (a second delivery finds it gone).
        string? token = claim is not null && _options.IssueClaimTokens ? Guid.NewGuid().ToString("N") : null;
        BeginResult begin = await _ledger.TryBeginInterruptionAsync(record, _options.Limits, now, claim, token, cancellationToken);
        var result = new DispatchResult
        {
            Status = DispatchStatus.Started,
            Reason = "",
            EventId = warning.Id,
            DetailType = warning.DetailType,
            InstanceId = instanceId,
            GroupName = facts.GroupName,
            ReclaimAt = deadline.ReclaimAt,
            DryRun = dryRun,
            Steps = steps,
        };
        switch (begin.Outcome)
        {
            case BeginOutcome.AlreadyHandled:
                return Duplicate(warning, begin.Record);
            case BeginOutcome.Queued:
                _metrics.Record("InterruptionsQueued", 1, MetricUnit.Count);
                return result with
                {
                    Status = DispatchStatus.Queued,
                    Reason = $"in-flight cap reached (global {_options.Limits.Global}, per group {_options.Limits.PerGroup}): queued",
                };
            default:
                var prepared = new PreparedStart(
                    claim is not null && begin.Record.FindStep(claim) is { Status: StepStatus.Running, StartedAt: { } at } claimed && at == now
                        && claimed.PendingClaim == token ? claim : null,
                    now,
                    token,
                    group,
                    successorSearched,
                    successorId);
                IReadOnlyDictionary<string, string> errors = await _starter.StartAsync(
                    begin.Record, PendingSteps(begin.Record, prepared.ClaimedStep), facts, config, "warning", cancellationToken, prepared);
                return result with
                {
                    Reason = errors.Count == 0 ? $"started {string.Join(", ", steps)}" : $"started with {errors.Count} step(s) failing to start",
                    StartErrors = errors,
                };
        }
    }

    /// <summary>The steps a start covers: those still Pending, and the one the begin claimed for this request.</summary>
    private static IEnumerable<string> PendingSteps(InterruptionRecord record, string? claimedStep) =>
        record.Steps.Where(s => s.Status == StepStatus.Pending || s.Name == claimedStep).Select(s => s.Name).ToList();

    /// <summary>
    /// A warning for an interruption the ledger already holds. Still open (a step Pending or Running): its run may have
    /// died halfway, so every outstanding step is started again as a resume (a live run keeps its step; a dead one's is
    /// taken over once its lease lapses). Otherwise a plain duplicate.
    /// </summary>
    private async Task<DispatchResult> ResumeOrDuplicateAsync(
        MaxGroupEvent.SpotInterruption warning, InterruptionRecord record, Task<InstanceFacts?> factsTask, CancellationToken cancellationToken)
    {
        if (record.Status != InterruptionStatus.Active || !record.Steps.Any(s => s.IsOutstanding))
        {
            Observe(factsTask);
            return Duplicate(warning, record);
        }

        InstanceFacts? facts;
        try
        {
            facts = await factsTask;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogWarning(ex, "Could not describe {InstanceId} for the resume; the resumer describes it again", record.InstanceId);
            facts = null;
        }

        IReadOnlyList<string> resumed = await Resumer.ResumeAsync(record, facts, stalledOnly: false, "the warning was delivered again", cancellationToken);
        return Duplicate(warning, record) with
        {
            Status = resumed.Count > 0 ? DispatchStatus.Resumed : DispatchStatus.Duplicate,
            Reason = resumed.Count > 0
                ? $"interruption already begun (first event {record.FirstEventId}) and still open: resumed {string.Join(", ", resumed)}"
                : $"interruption already handled (status {LedgerText.Status(record.Status)}, first event {record.FirstEventId})",
            Steps = resumed,
        };
    }

    /// <summary>
    /// A state change (the instance stopped or terminated): the volume triggers resume the moves it is part of, and a
    /// hand-over of this instance with stalled steps (its run died, nobody redelivered) is resumed first.
    /// </summary>
    private async Task<DispatchResult> OnStateChangeAsync(MaxGroupEvent.InstanceStateChange stateChange, CancellationToken cancellationToken)
    {
        string instanceId = stateChange.Event.Detail.InstanceId;
        try
        {
            if (await _ledger.GetAsync(instanceId, cancellationToken) is { Status: InterruptionStatus.Active } record)
            {
                await Resumer.ResumeAsync(record, null, stalledOnly: true, $"the instance is {stateChange.Event.Detail.State}", cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogWarning(ex, "Could not check the hand-over of {InstanceId} for stalled steps; the sweep does", instanceId);
        }

        return await _volumeTriggers.OnInstanceStateChangeAsync(stateChange, cancellationToken);
    }

    private async Task<IReadOnlyList<string>> ResumeQueuedSafelyAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await ResumeQueuedAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The event itself was handled; the queue is retried on the next invocation.
            _logger.LogWarning(ex, "Could not resume queued interruptions");
            return [];
        }
    }

    private async Task SweepPrewarmsSafelyAsync(IRebalanceHandler rebalance, CancellationToken cancellationToken)
    {
        try
        {
            await rebalance.SweepAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The volume sweep already ran; unused pre-warmed successors are released on the next schedule.
            _logger.LogWarning(ex, "Could not sweep pre-warmed successors");
        }
    }

    private DispatchResult Duplicate(MaxGroupEvent.SpotInterruption warning, InterruptionRecord record)
    {
        _metrics.Record("DuplicateDeliveries", 1, MetricUnit.Count);
        return new DispatchResult
        {
            Status = DispatchStatus.Duplicate,
            Reason = $"interruption already handled (status {LedgerText.Status(record.Status)}, first event {record.FirstEventId})",
            EventId = warning.Id,
            DetailType = warning.DetailType,
            InstanceId = record.InstanceId,
            GroupName = record.GroupName,
            ReclaimAt = record.ReclaimAt,
            DryRun = record.DryRun,
        };
    }

    /// <summary>Awaits <paramref name="first"/>; the others run on, and their failures are observed when they end (never unobserved).</summary>
    private static async Task<T> AwaitFirstAsync<T>(Task<T> first, params Task?[] others)
    {
        try
        {
            return await first;
        }
        catch
        {
            Observe(others);
            throw;
        }
    }

    /// <summary>Tasks whose result is no longer needed: their failures are observed, never raised as unobserved.</summary>
    private static void Observe(params Task?[] tasks)
    {
        foreach (Task? task in tasks)
        {
            _ = task?.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    private async Task<string?> SearchSuccessorAsync(string instanceId, CancellationToken cancellationToken)
    {
        try
        {
            return await _successors!.FindSuccessorAsync(instanceId, cancellationToken) ?? "";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not fatal: the replace step searches again itself (null = not searched).
            _logger.LogWarning(ex, "Could not search for a successor of {InstanceId}; the replace step will", instanceId);
            return null;
        }
    }

    /// <summary>"" from the search means searched, none found; null means not searched.</summary>
    private static (bool Searched, string? Id) SuccessorResult(string? found) =>
        found is null ? (false, null) : (true, found.Length == 0 ? null : found);

    private async Task<AutoScalingGroupInfo?> DescribeGroupQuietlyAsync(string groupName, CancellationToken cancellationToken)
    {
        try
        {
            IReadOnlyList<AutoScalingGroupInfo> groups = await _autoScaling!.DescribeAutoScalingGroupsAsync([groupName], cancellationToken);
            return groups.FirstOrDefault(g => g.Name == groupName);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not fatal: the replace step describes the group itself.
            _logger.LogWarning(ex, "Could not describe group {GroupName}; the replace step will", groupName);
            return null;
        }
    }

    private static string ActionText(InstanceAction action) => action switch
    {
        InstanceAction.Stop => "stop",
        InstanceAction.Hibernate => "hibernate",
        _ => "terminate",
    };
}
