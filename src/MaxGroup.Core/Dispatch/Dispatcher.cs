using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Routing;
using MaxGroup.Core.Runner;
using MaxGroup.Core.Steps.Drain;
using MaxGroup.Core.Steps.Volume;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Dispatch;

/// <summary>
/// Turns one EventBridge event into work: an event that opens a hand-over (<see cref="HandoverRoutes"/>: a Spot warning
/// today) goes to the <see cref="HandoverIntake"/>; a state change resumes stalled steps of its instance and goes to the
/// volume triggers, as do launches and the sweep; rebalance recommendations go to the pre-warmer. Every invocation then
/// gives queued interruptions a chance (<see cref="ResumeQueuedAsync"/>).
/// </summary>
public sealed partial class Dispatcher(
    IInstanceInventory inventory,
    IGroupConfigSource configs,
    ILedger ledger,
    IFunctionInvoker invoker,
    IVolumeTriggers volumeTriggers,
    DispatcherOptions options,
    TimeProvider clock,
    IMetrics metrics,
    ILogger logger,
    // Describes the group alongside the config read, for the replace step; null = the step describes it.
    IAutoScalingApi? autoScaling = null,
    // Searches for a successor pre-launched on a rebalance recommendation; null = the step searches.
    ISuccessorLauncher? successors = null) : IQueuedInterruptionResumer
{
    private StepStarter? _starter;
    private HandoverResumer? _resumer;
    private HandoverIntake? _intake;

    /// <summary>
    /// Turns DeleteOnTermination off for a group's data volume before the begin (and again on a resume); null = the volume
    /// step alone does it (then a run killed before the volume step can lose the volume: production always sets it).
    /// </summary>
    public DataVolumeGuard? VolumeGuard { get; init; }

    /// <summary>Restarts hand-overs whose run may have died: on a redelivered warning, a state change, the sweep.</summary>
    public HandoverResumer Resumer => _resumer ??= new HandoverResumer(inventory, configs, ledger, Starter, VolumeGuard, clock, metrics, logger);

    private HandoverIntake Intake => _intake ??= new HandoverIntake(
        inventory, configs, ledger, Starter, Resumer, VolumeGuard, options, clock, metrics, logger, autoScaling, successors)
    {
        Notifier = Notifier,
        Capacity = PoolBans is null && successors is not IFleetLauncher ? null : new CapacityPrefetch(PoolBans, successors as IFleetLauncher, clock, logger),
    };

    /// <summary>Built on first use, after the init properties (<see cref="Notifier"/>) are set.</summary>
    private StepStarter Starter => _starter ??= new StepStarter(ledger, invoker, clock, logger) { Notifier = Notifier };

    /// <summary>Publishes hand-over events (Started at the begin or the dequeue; the end when no step could start); null = none.</summary>
    public HandoverNotifier? Notifier { get; init; }

    /// <summary>Where a Spot warning bans its pool (the ledger table); null = no bans (the launch still avoids the interrupted type).</summary>
    public ISpotPoolBans? PoolBans { get; init; }

    /// <summary>Backfills a group's failed launches (issue 19); null = they go to the volume triggers like any launch.</summary>
    public ILaunchFailureHandler? Backfill { get; init; }

    /// <summary>Pre-warms successors on rebalance recommendations and sweeps unused ones; null = recommendations are a no-op.</summary>
    public IRebalanceHandler? Rebalance { get; init; }

    /// <summary>Acts on the Node of a drained group's terminated instance (k8s_node_after_termination); null = nothing.</summary>
    public TerminatedNodeTrigger? TerminatedNodes { get; init; }

    public async Task<DispatchResult> DispatchAsync(MaxGroupEvent maxGroupEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(maxGroupEvent);
        if (maxGroupEvent is MaxGroupEvent.SpotInterruption or MaxGroupEvent.ReservationInterruption)
        {
            metrics.Record("InterruptionWarnings", 1, MetricUnit.Count);
        }

        DispatchResult result = HandoverRoutes.Opening(maxGroupEvent) is { } opening ? await Intake.OpenAsync(opening, cancellationToken) : maxGroupEvent switch
        {
            MaxGroupEvent.InstanceStateChange stateChange => await OnStateChangeAsync(stateChange, cancellationToken),
            MaxGroupEvent.AutoScalingLaunch { Successful: false } failed when Backfill is not null => await Backfill.OnLaunchFailedAsync(failed, cancellationToken),
            MaxGroupEvent.AutoScalingLaunch launch => await volumeTriggers.OnInstanceLaunchAsync(launch, cancellationToken),
            MaxGroupEvent.Scheduled scheduled => await volumeTriggers.SweepAsync(scheduled, cancellationToken),
            MaxGroupEvent.RebalanceRecommendation rebalance when Rebalance is not null => await Rebalance.OnRebalanceAsync(rebalance, cancellationToken),
            MaxGroupEvent.RebalanceRecommendation rebalance => DispatchResult.NoOp(
                rebalance, "rebalance recommendations are not acted on yet (is_to_handle_rebalance_event belongs to preaction)", rebalance.Event.Detail.InstanceId),
            MaxGroupEvent.LifecycleAction lifecycle => await OnLifecycleActionAsync(lifecycle, cancellationToken),
            MaxGroupEvent.HealthEvent health => await OnHealthEventAsync(health, cancellationToken),
            _ => DispatchResult.NoOp(maxGroupEvent, $"no handler for detail-type {maxGroupEvent.DetailType}"),
        };

        if (maxGroupEvent is MaxGroupEvent.Scheduled && Rebalance is not null)
        {
            await SweepPrewarmsSafelyAsync(Rebalance, cancellationToken);
        }

        if (maxGroupEvent is MaxGroupEvent.Scheduled)
        {
            IReadOnlyList<string> resumed = await Resumer.WatchAsync(options.SweepWatch, options.SweepWatchInterval, cancellationToken);
            result = resumed.Count == 0 ? result : result with { Reason = $"{result.Reason} Resumed stalled hand-overs: {string.Join(", ", resumed)}." };
        }

        // Every invocation gives queued interruptions a chance, so a queue drains even when no step reports back.
        IReadOnlyList<string> dequeued = await ResumeQueuedSafelyAsync(cancellationToken);
        result = dequeued.Count > 0 ? result with { Dequeued = dequeued } : result;
        logger.LogInformation(
            "Dispatch {Status}: {Reason} (event {EventId}, instance {InstanceId}, group {GroupName})",
            result.Status, result.Reason, result.EventId, result.InstanceId, result.GroupName);
        return result;
    }

    /// <summary>
    /// The replace function's own delivery of a Spot warning (the rule's second target, beside the dispatcher): the
    /// hand-over is opened exactly as <see cref="DispatchAsync"/> opens it, and nothing else is done (the queue, sweeps and
    /// every other event stay the dispatcher's). The ledger's conditional begin decides which of the two deliveries begins.
    /// </summary>
    public async Task<DispatchResult> OpenWarningAsync(MaxGroupEvent maxGroupEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(maxGroupEvent);
        if (maxGroupEvent is not MaxGroupEvent.SpotInterruption || HandoverRoutes.Opening(maxGroupEvent) is not { } opening)
        {
            return DispatchResult.NoOp(maxGroupEvent, $"only Spot warnings are opened here; {maxGroupEvent.DetailType} is the dispatcher's");
        }

        // Not counted in InterruptionWarnings: the dispatcher's delivery of the same warning counts it.
        DispatchResult result = await Intake.OpenAsync(opening, cancellationToken);
        logger.LogInformation(
            "Warning intake {Status}: {Reason} (event {EventId}, instance {InstanceId}, group {GroupName})",
            result.Status, result.Reason, result.EventId, result.InstanceId, result.GroupName);
        return result;
    }

    /// <summary>Promotes queued interruptions while slots are free and starts their steps.</summary>
    public async Task<IReadOnlyList<string>> ResumeQueuedAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<QueuedInterruption> queued = await ledger.ListQueuedAsync(cancellationToken);
        var started = new List<string>();
        foreach (QueuedInterruption item in queued.Take(options.MaxDequeuePerInvocation))
        {
            // A full group cap must not block other groups: try every queued item.
            if (!await ledger.TryPromoteQueuedAsync(item.InstanceId, options.Limits, clock.GetUtcNow(), cancellationToken))
            {
                continue;
            }

            InterruptionRecord? record = await ledger.GetAsync(item.InstanceId, cancellationToken);
            if (record is null)
            {
                continue;
            }

            started.Add(item.InstanceId);
            InstanceFacts? facts = await inventory.DescribeInstanceAsync(item.InstanceId, cancellationToken);
            GroupConfigLookup lookup = await configs.GetAsync(record.GroupName, cancellationToken);
            if (facts is null || !lookup.Managed || lookup.Config is null)
            {
                string reason = facts is null
                    ? "instance disappeared while the interruption was queued"
                    : $"group is no longer managed: {lookup.Reason}";
                await Starter.SkipAllAsync(record, reason, cancellationToken);
                continue;
            }

            logger.LogInformation("Dequeued interruption of {InstanceId} in {GroupName}", item.InstanceId, record.GroupName);
            if (!record.DryRun && VolumeGuard is not null)
            {
                await VolumeGuard.KeepAsync(facts, lookup.Config, cancellationToken);
            }

            Task starting = Starter.StartAsync(record, PendingSteps(record, null), facts, lookup.Config, HandoverTrigger.Dequeued, cancellationToken);
            Task<bool> told = Notifier?.PublishAsync(HandoverEventTypes.Started, record, cancellationToken) ?? Task.FromResult(false);
            await starting;
            await told;
        }

        return started;
    }

    /// <summary>The steps a start covers: those still Pending, and the one the begin claimed for this request.</summary>
    private static IEnumerable<string> PendingSteps(InterruptionRecord record, string? claimedStep) =>
        record.Steps.Where(s => s.Status == StepStatus.Pending || s.Name == claimedStep).Select(s => s.Name).ToList();

    /// <summary>
    /// A state change (the instance stopped or terminated): the volume triggers resume the moves it is part of, and a
    /// hand-over of this instance with stalled steps (its run died, nobody redelivered) is resumed first; a terminated
    /// instance's Node gets its after-termination action (<see cref="TerminatedNodes"/>).
    /// </summary>
    private async Task<DispatchResult> OnStateChangeAsync(MaxGroupEvent.InstanceStateChange stateChange, CancellationToken cancellationToken)
    {
        string instanceId = stateChange.Event.Detail.InstanceId;
        bool handedOver = true;
        try
        {
            InterruptionRecord? existing = await ledger.GetAsync(instanceId, cancellationToken);
            handedOver = existing is not null;
            if (existing is { Status: InterruptionStatus.Active } record)
            {
                await Resumer.ResumeAsync(record, null, stalledOnly: true, $"the instance is {stateChange.Event.Detail.State}", cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not check the hand-over of {InstanceId} for stalled steps; the sweep does", instanceId);
        }

        // No warning came before this stop or terminate: a best-effort drain and Consul deregistration (Dispatcher.Health.cs).
        DispatchResult? unwarned = handedOver ? null : await OpenUnwarnedAsync(stateChange, cancellationToken);
        if (TerminatedNodes is not null)
        {
            // Never throws but for cancellation; it logs its own outcome. Acts on terminated only.
            await TerminatedNodes.OnStateChangeAsync(stateChange, cancellationToken);
        }

        DispatchResult volume = await volumeTriggers.OnInstanceStateChangeAsync(stateChange, cancellationToken);
        return WithUnwarned(volume, unwarned);
    }

    /// <summary>
    /// A terminate lifecycle action: its hook is described first (the heartbeat and global timeouts are the hand-over's
    /// deadline source), then it opens a hand-over like any other trigger.
    /// </summary>
    private async Task<DispatchResult> OnLifecycleActionAsync(MaxGroupEvent.LifecycleAction lifecycle, CancellationToken cancellationToken)
    {
        LifecycleActionDetail detail = lifecycle.Event.Detail;
        LifecycleHookInfo? hook = null;
        if (autoScaling is not null)
        {
            try
            {
                hook = (await autoScaling.DescribeLifecycleHooksAsync(detail.AutoScalingGroupName, cancellationToken))
                    .FirstOrDefault(h => h.HookName == detail.LifecycleHookName);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // AWS's default timeouts stand in; the heartbeats then come earlier than needed, never later.
                logger.LogWarning(ex, "Could not describe lifecycle hook {Hook} of {GroupName}; AWS's default timeouts are assumed", detail.LifecycleHookName, detail.AutoScalingGroupName);
            }
        }

        return HandoverRoutes.LifecycleOpening(lifecycle, hook) is { } opening
            ? await AdoptLifecycleActionAsync(opening, await Intake.OpenAsync(opening, cancellationToken), cancellationToken)
            : DispatchResult.NoOp(lifecycle, $"lifecycle transition {detail.LifecycleTransition} is not a termination", detail.InstanceId, detail.AutoScalingGroupName);
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
            logger.LogWarning(ex, "Could not resume queued interruptions");
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
            logger.LogWarning(ex, "Could not sweep pre-warmed successors");
        }
    }
}
