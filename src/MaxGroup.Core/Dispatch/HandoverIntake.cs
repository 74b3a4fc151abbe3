using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Routing;
using MaxGroup.Core.Runner;
using MaxGroup.Core.Steps.Volume;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Dispatch;

/// <summary>
/// The intake of a hand-over, whatever opened it (<see cref="HandoverOpening"/>): three round trips before the steps
/// start: (1) the ledger record ∥ the instance ∥ a successor already launched for it; (2) the group's config ∥ the group
/// itself (one description: the config's tags come from it) ∥, once the config names a data volume, DeleteOnTermination
/// turned off for it (the hand-over's first change, so no crash point precedes it); (3) the ledger begin (the conditional write that makes duplicates harmless, takes the
/// in-flight slot and marks the replace step Running). Then the group's steps start in parallel. An event redelivered for
/// a hand-over still open resumes its steps (a run that died halfway is taken over).
/// </summary>
public sealed partial class HandoverIntake(
    IInstanceInventory inventory,
    IGroupConfigSource configs,
    ILedger ledger,
    StepStarter starter,
    HandoverResumer resumer,
    DataVolumeGuard? guard,
    DispatcherOptions options,
    TimeProvider clock,
    IMetrics metrics,
    ILogger logger,
    // Describes the group alongside the config read, for the replace step; null = the step describes it.
    IAutoScalingApi? autoScaling,
    // Searches for a successor pre-launched on a rebalance recommendation alongside the instance lookup; null = the step searches.
    ISuccessorLauncher? successors)
{
    /// <summary>Publishes Started once the begin took the hand-over, alongside the steps' start (never before it); null = no events.</summary>
    public HandoverNotifier? Notifier { get; init; }

    /// <summary>Bans the warned Spot pool and pre-reads bans and subnet zones alongside the begin; null = the replace step reads them.</summary>
    public CapacityPrefetch? Capacity { get; init; }

    /// <summary>Opens the hand-over <paramref name="opening"/> describes (or resumes or ignores it, when the ledger already holds it).</summary>
    public async Task<DispatchResult> OpenAsync(HandoverOpening opening, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(opening);
        string instanceId = opening.InstanceId;
        ReclaimDeadline deadline = opening.Deadline;
        if (options.SiblingGrace > TimeSpan.Zero && opening.Trigger == HandoverTrigger.SpotWarning)
        {
            // The replace function got this warning too and begins it without an Invoke hop; this begin is the fallback.
            await Task.Delay(options.SiblingGrace, clock, cancellationToken);
        }

        // Stage 1: the instance, alone. No ledger read: the begin's condition answers a duplicate (its answer carries the
        // record), and only an event that would be turned away before the begin reads the ledger first (NotBegunAsync).
        // The search for a successor already launched for the instance serves the launch strategy only: it leaves beside
        // the begin once the config says launch (SearchForLaunch). Each call starts on its own thread: a client's
        // synchronous first-use work (building and signing the request) must not hold back the next call's start.
        DateTimeOffset received = clock.GetUtcNow();
        Task<InstanceFacts?> factsTask = Task.Run(() => inventory.DescribeInstanceAsync(instanceId, cancellationToken), cancellationToken);
        Task<ReplacePrefetch> successorTask = Task.FromResult(new ReplacePrefetch());
        InstanceFacts? facts;
        try
        {
            facts = await factsTask;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A hand-over already begun is still resumed (the resumer describes the instance again); else the event fails.
            Observe(successorTask);
            logger.LogWarning(ex, "Could not describe {InstanceId}; a hand-over already begun is resumed, else the event fails", instanceId);
            if (await ResumeBegunAsync(opening, factsTask, cancellationToken) is { } resumed)
            {
                return resumed;
            }

            throw;
        }

        if (facts is null)
        {
            return await NotBegunAsync(opening, factsTask, successorTask, DispatchResult.NoOp(opening.EventId, opening.DetailType, "instance not found", instanceId), cancellationToken);
        }

        // A state change that no warning came before is about an instance already leaving: still worth a drain.
        if (facts.IsGone && !opening.AlreadyLeaving)
        {
            return await NotBegunAsync(opening, factsTask, successorTask,
                DispatchResult.NoOp(opening.EventId, opening.DetailType, $"instance is already {facts.State}", instanceId, facts.GroupName), cancellationToken);
        }

        if (facts.GroupName is null)
        {
            return await NotBegunAsync(opening, factsTask, successorTask,
                DispatchResult.NoOp(opening.EventId, opening.DetailType, "instance is not in an Auto Scaling group", instanceId), cancellationToken);
        }

        // Stage 2: the config and the group the replace step needs, at once; as soon as the config is known, the data
        // volume kept (in parallel with the group's description, so it costs no round trip of its own).
        string groupName = facts.GroupName;
        // One description serves both: the config's tags are read from it (a cold start pays one DescribeAutoScalingGroups).
        // The config lookup starts first: cold, its S3 reads have more to set up before they leave than the description.
        Task<GroupConfigLookup> lookupTask;
        Task<AutoScalingGroupInfo?>? groupTask = null;
        if (autoScaling is null)
        {
            lookupTask = Task.Run(() => configs.GetAsync(groupName, cancellationToken), cancellationToken);
        }
        else
        {
            var described = new TaskCompletionSource<AutoScalingGroupInfo?>(TaskCreationOptions.RunContinuationsAsynchronously);
            lookupTask = Task.Run(() => configs.GetAsync(groupName, described.Task, cancellationToken), cancellationToken);
            groupTask = Task.Run(async () =>
            {
                // Never throws but for cancellation; a null (failed) description makes the config read the tags itself.
                AutoScalingGroupInfo? info = null;
                try
                {
                    info = await DescribeGroupQuietlyAsync(groupName, cancellationToken);
                    return info;
                }
                finally
                {
                    described.TrySetResult(info);
                }
            }, cancellationToken);
        }
        GroupConfigLookup lookup = await AwaitFirstAsync(lookupTask, groupTask, successorTask);
        if (!lookup.Managed || lookup.Config is null)
        {
            Observe(groupTask);
            return await NotBegunAsync(opening, factsTask, successorTask,
                DispatchResult.NoOp(opening.EventId, opening.DetailType, $"group is not managed: {lookup.Reason}", instanceId, facts.GroupName), cancellationToken);
        }

        GroupConfig config = lookup.Config;
        if (!config.Enabled)
        {
            Observe(groupTask);
            return await NotBegunAsync(opening, factsTask, successorTask,
                DispatchResult.NoOp(opening.EventId, opening.DetailType, "group is disabled in its configuration", instanceId, facts.GroupName), cancellationToken);
        }

        bool dryRun = options.ForceDryRun || config.DryRun;
        // Only a launch reuses a successor pre-launched on a rebalance recommendation; a detach leaves the launch to the group.
        bool launches = config.EffectiveStrategy == ReplacementStrategy.Launch;
        successorTask = successors is null || !launches
            ? successorTask
            : Task.Run(() => SearchSuccessorAsync(instanceId, cancellationToken), cancellationToken);
        Task<BlockDeviceFact?> keptTask = guard is null || dryRun || !config.HasVolumeStep || opening.AlreadyLeaving
            ? Task.FromResult(DataVolumeGuard.Find(facts.BlockDevices, config))
            : Task.Run(() => guard.KeepAsync(facts, config, cancellationToken), cancellationToken);
        BlockDeviceFact? dataVolume = await AwaitFirstAsync(keptTask, groupTask, successorTask);
        // The begin never waits for the group's description: the plan needs it only for the traffic step (a group
        // without load balancers needs none), so while the description is on its way the traffic step is planned as the
        // config enables it and, once the group is described without any, recorded NoOp instead of started. The
        // replace step gets the group either way (the prefetch, after the begin).
        Task<AutoScalingGroupInfo?> describedGroup = groupTask ?? Task.FromResult<AutoScalingGroupInfo?>(null);
        bool provisional = groupTask is not null && StepPlan.DependsOnGroup(config, opening.Trigger);
        IReadOnlyList<string> steps = provisional ? StepPlan.ForLoadBalancedGroup(config, opening.Trigger) : StepPlan.For(config, opening.Trigger, null);
        if (steps.Count == 0)
        {
            Observe(groupTask);
            return await NotBegunAsync(opening, factsTask, successorTask, DispatchResult.NoOp(
                opening.EventId, opening.DetailType, $"the group's configuration enables no step for a {opening.Trigger.WireName()} hand-over", instanceId, facts.GroupName), cancellationToken);
        }

        DateTimeOffset now = clock.GetUtcNow();
        var record = new InterruptionRecord
        {
            InstanceId = instanceId,
            EventIds = [opening.EventId],
            GroupName = facts.GroupName,
            WarningTime = deadline.WarningTime,
            ReclaimAt = deadline.ReclaimAt,
            InstanceAction = opening.InstanceAction,
            Strategy = config.EffectiveStrategy == ReplacementStrategy.Launch ? "launch" : "detach",
            DryRun = dryRun,
            // Recorded at the begin: a resumed volume step finds the volume by it after the instance (and its list of
            // block devices) is gone.
            VolumeId = config.HasVolumeStep ? dataVolume?.VolumeId : null,
            Steps = steps.Select(s => new StepRecord { Name = s }).ToList(),
            Timeline = [new TimelineEntry(now, "interruption", opening.Trigger.WireName(), opening.EventId)],
            Trigger = opening.Trigger,
            LifecycleHook = opening.LifecycleHook,
            CreatedAt = now,
            // A Health event can come weeks before its start: the record outlives the start, so a later update of the
            // event finds the hand-over, not an empty ledger.
            ExpiresAt = (opening.Trigger == HandoverTrigger.HealthScheduledChange ? deadline.ReclaimAt : deadline.WarningTime) + options.RecordLifetime,
        };

        // Stage 3: one conditional write creates the record, takes the slot and claims the replace step for the request sent.
        string? claim = options.ClaimFirstStep ? steps[0] : null;
        // Through Lambda the claim travels as a token the invoked function consumes once (a second delivery finds it gone).
        string? token = claim is not null && options.IssueClaimTokens ? Guid.NewGuid().ToString("N") : null;
        // Alongside the begin (sent first, so it is never queued behind them): the warned Spot pool banned, and the bans
        // and subnet zones the replace step's launch needs.
        Task<BeginResult> beginTask = ledger.TryBeginInterruptionAsync(record, options.Limits, now, claim, token, cancellationToken);
        // The subnet zones (looked up from the group's subnets) and the bans in force steer a launch only: a detach waits
        // for neither (its fall-through launch reads them itself); the warned pool is banned either way.
        Task<ReplacePrefetch> prefetchTask = Capacity is null
            ? successorTask
            : Task.Run(async () => await Capacity.AddAsync(
                await successorTask, facts, launches ? await describedGroup : null, config, opening.Trigger, dryRun, cancellationToken, readBans: launches), cancellationToken);
        BeginResult begin = await AwaitFirstAsync(beginTask, prefetchTask, groupTask, successorTask);
        ReplacePrefetch prefetched = await prefetchTask;
        AutoScalingGroupInfo? group = await describedGroup;
        // The steps the described group does not need (a provisional traffic step): recorded, never started.
        IReadOnlyList<string> unneeded = provisional ? [.. steps.Except(StepPlan.For(config, opening.Trigger, group))] : [];
        steps = [.. steps.Except(unneeded)];
        var result = new DispatchResult
        {
            Status = DispatchStatus.Started,
            Reason = "",
            EventId = opening.EventId,
            DetailType = opening.DetailType,
            InstanceId = instanceId,
            GroupName = facts.GroupName,
            ReclaimAt = deadline.ReclaimAt,
            DryRun = dryRun,
            Steps = steps,
        };
        switch (begin.Outcome)
        {
            case BeginOutcome.AlreadyHandled when begin.Record.CreatedAt > received:
                // Begun while this delivery was on its way (a concurrent duplicate): its run is live.
                return Duplicate(opening, begin.Record);
            case BeginOutcome.AlreadyHandled:
                return await ResumeOrDuplicateAsync(opening, begin.Record, factsTask, cancellationToken);
            case BeginOutcome.Queued:
                metrics.Record("InterruptionsQueued", 1, MetricUnit.Count);
                return result with
                {
                    Status = DispatchStatus.Queued,
                    Reason = $"in-flight cap reached (global {options.Limits.Global}, per group {options.Limits.PerGroup}): queued",
                };
            default:
                var prepared = new PreparedStart(
                    claim is not null && begin.Record.FindStep(claim) is { Status: StepStatus.Running, StartedAt: { } at } claimed && at == now
                        && claimed.PendingClaim == token ? claim : null,
                    now,
                    token,
                    prefetched with { Group = group });
                // Told at receipt (not after the drain): the steps' start leaves first and the event rides alongside it,
                // so it costs the hand-over no time.
                Task<IReadOnlyDictionary<string, string>> starting = starter.StartAsync(
                    begin.Record, PendingSteps(begin.Record, prepared.ClaimedStep).Except(unneeded), facts, config, opening.Trigger, cancellationToken, prepared);
                Task<bool> told = Notifier?.PublishAsync(HandoverEventTypes.Started, begin.Record, cancellationToken) ?? Task.FromResult(false);
                Task skipping = unneeded.Count == 0 ? Task.CompletedTask : starter.EndUnstartedAsync(
                    begin.Record, unneeded, UnneededOutcome(group), cancellationToken);
                IReadOnlyDictionary<string, string> errors = await starting;
                await told;
                await skipping;
                return result with
                {
                    Reason = errors.Count == 0 ? $"started {string.Join(", ", steps)}" : $"started with {errors.Count} step(s) failing to start",
                    StartErrors = errors,
                };
        }
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

    /// <summary>The search for a successor already launched for the instance; a failed search counts as not searched.</summary>
    private async Task<ReplacePrefetch> SearchSuccessorAsync(string instanceId, CancellationToken cancellationToken)
    {
        try
        {
            return new ReplacePrefetch { SuccessorSearched = true, Successor = await successors!.FindSuccessorAsync(instanceId, cancellationToken) };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not fatal: the replace step searches again itself.
            logger.LogWarning(ex, "Could not search for a successor of {InstanceId}; the replace step will", instanceId);
            return new ReplacePrefetch();
        }
    }

    private async Task<AutoScalingGroupInfo?> DescribeGroupQuietlyAsync(string groupName, CancellationToken cancellationToken)
    {
        try
        {
            return await autoScaling!.DescribeGroupAsync(groupName, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not fatal: the replace step describes the group itself.
            logger.LogWarning(ex, "Could not describe group {GroupName}; the replace step will", groupName);
            return null;
        }
    }

    /// <summary>The steps a start covers: those still Pending, and the one the begin claimed for this request.</summary>
    /// <summary>
    /// How a provisional step the group turned out not to need ends: NoOp when the described group has no load balancer
    /// (nothing to deregister, not a failure of the hand-over), Skipped when the group could not be described at all.
    /// </summary>
    private static StepOutcome UnneededOutcome(AutoScalingGroupInfo? group) => group is null
        ? StepOutcome.Skipped("the group could not be described")
        : StepOutcome.NoOp("the group has no target group or Classic Load Balancer");

    private static IEnumerable<string> PendingSteps(InterruptionRecord record, string? claimedStep) =>
        record.Steps.Where(s => s.Status == StepStatus.Pending || s.Name == claimedStep).Select(s => s.Name).ToList();
}
