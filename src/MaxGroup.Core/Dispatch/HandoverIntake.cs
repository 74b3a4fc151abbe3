using MaxGroup.Core.Ledger;
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
public sealed class HandoverIntake(
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

        // Stage 1: everything that needs only the instance id, at once. A replayed warning is answered by the ledger
        // read; the EC2 reads it also paid for cost no time.
        // Each call starts on its own thread: a client's synchronous first-use work (building and signing the request)
        // must not hold back the next call's start.
        Task<InterruptionRecord?> existingTask = Task.Run(() => ledger.GetAsync(instanceId, cancellationToken), cancellationToken);
        Task<InstanceFacts?> factsTask = Task.Run(() => inventory.DescribeInstanceAsync(instanceId, cancellationToken), cancellationToken);
        Task<ReplacePrefetch>? successorTask = successors is null ? null : Task.Run(() => SearchSuccessorAsync(instanceId, cancellationToken), cancellationToken);
        InterruptionRecord? existing = await AwaitFirstAsync(existingTask, factsTask, successorTask);
        if (existing is not null)
        {
            Observe(successorTask);
            BeginResult seen = await ledger.TryBeginInterruptionAsync(
                existing with { EventIds = [opening.EventId] }, options.Limits, clock.GetUtcNow(), cancellationToken);
            return await ResumeOrDuplicateAsync(opening, seen.Record, factsTask, cancellationToken);
        }

        InstanceFacts? facts = await factsTask;
        ReplacePrefetch searched = successorTask is null ? new ReplacePrefetch() : await successorTask;
        if (facts is null)
        {
            return DispatchResult.NoOp(opening.EventId, opening.DetailType, "instance not found", instanceId);
        }

        // A state change that no warning came before is about an instance already leaving: still worth a drain.
        if (facts.IsGone && !opening.AlreadyLeaving)
        {
            return DispatchResult.NoOp(opening.EventId, opening.DetailType, $"instance is already {facts.State}", instanceId, facts.GroupName);
        }

        if (facts.GroupName is null)
        {
            return DispatchResult.NoOp(opening.EventId, opening.DetailType, "instance is not in an Auto Scaling group", instanceId);
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
        GroupConfigLookup lookup = await AwaitFirstAsync(lookupTask, groupTask);
        if (!lookup.Managed || lookup.Config is null)
        {
            Observe(groupTask);
            return DispatchResult.NoOp(opening.EventId, opening.DetailType, $"group is not managed: {lookup.Reason}", instanceId, facts.GroupName);
        }

        GroupConfig config = lookup.Config;
        if (!config.Enabled)
        {
            Observe(groupTask);
            return DispatchResult.NoOp(opening.EventId, opening.DetailType, "group is disabled in its configuration", instanceId, facts.GroupName);
        }

        bool dryRun = options.ForceDryRun || config.DryRun;
        Task<BlockDeviceFact?> keptTask = guard is null || dryRun || !config.HasVolumeStep || opening.AlreadyLeaving
            ? Task.FromResult(DataVolumeGuard.Find(facts.BlockDevices, config))
            : Task.Run(() => guard.KeepAsync(facts, config, cancellationToken), cancellationToken);
        BlockDeviceFact? dataVolume = await AwaitFirstAsync(keptTask, groupTask);
        AutoScalingGroupInfo? group = groupTask is null ? null : await groupTask;
        // Traffic leaves first: a group described without load balancers needs no traffic step.
        IReadOnlyList<string> steps = StepPlan.For(config, opening.Trigger, group);
        if (steps.Count == 0)
        {
            return DispatchResult.NoOp(opening.EventId, opening.DetailType, $"the group's configuration enables no step for a {opening.Trigger.WireName()} hand-over", instanceId, facts.GroupName);
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
        Task<ReplacePrefetch> prefetchTask = Capacity is null
            ? Task.FromResult(searched)
            : Task.Run(() => Capacity.AddAsync(searched, facts, group, config, opening.Trigger, dryRun, cancellationToken), cancellationToken);
        BeginResult begin = await AwaitFirstAsync(beginTask, prefetchTask);
        ReplacePrefetch prefetched = await prefetchTask;
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
            case BeginOutcome.AlreadyHandled:
                return Duplicate(opening, begin.Record);
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
                    begin.Record, PendingSteps(begin.Record, prepared.ClaimedStep), facts, config, opening.Trigger, cancellationToken, prepared);
                Task<bool> told = Notifier?.PublishAsync(HandoverEventTypes.Started, begin.Record, cancellationToken) ?? Task.FromResult(false);
                IReadOnlyDictionary<string, string> errors = await starting;
                await told;
                return result with
                {
                    Reason = errors.Count == 0 ? $"started {string.Join(", ", steps)}" : $"started with {errors.Count} step(s) failing to start",
                    StartErrors = errors,
                };
        }
    }

    /// <summary>
    /// A warning for an interruption the ledger already holds. Still open (a step Pending or Running): its run may have
    /// died halfway, so every outstanding step is started again as a resume (a live run keeps its step; a dead one's is
    /// taken over once its lease lapses). Otherwise a plain duplicate.
    /// </summary>
    private async Task<DispatchResult> ResumeOrDuplicateAsync(
        HandoverOpening opening, InterruptionRecord record, Task<InstanceFacts?> factsTask, CancellationToken cancellationToken)
    {
        if (record.Status != InterruptionStatus.Active || !record.Steps.Any(s => s.IsOutstanding))
        {
            Observe(factsTask);
            return Duplicate(opening, record);
        }

        InstanceFacts? facts;
        try
        {
            facts = await factsTask;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not describe {InstanceId} for the resume; the resumer describes it again", record.InstanceId);
            facts = null;
        }

        // A lifecycle action delivered again (same token) restarts only what stalled: its live lifecycle step must not be
        // made to wait out its own lease by a plain duplicate.
        bool stalledOnly = opening.Trigger == HandoverTrigger.LifecycleHook;
        IReadOnlyList<string> resumed = await resumer.ResumeAsync(record, facts, stalledOnly, "the event was delivered again", cancellationToken);
        return Duplicate(opening, record) with
        {
            Status = resumed.Count > 0 ? DispatchStatus.Resumed : DispatchStatus.Duplicate,
            Reason = resumed.Count > 0
                ? $"interruption already begun (first event {record.FirstEventId}) and still open: resumed {string.Join(", ", resumed)}"
                : $"interruption already handled (status {LedgerText.Status(record.Status)}, first event {record.FirstEventId})",
            Steps = resumed,
        };
    }

    private DispatchResult Duplicate(HandoverOpening opening, InterruptionRecord record)
    {
        metrics.Record("DuplicateDeliveries", 1, MetricUnit.Count);
        return new DispatchResult
        {
            Status = DispatchStatus.Duplicate,
            Reason = $"interruption already handled (status {LedgerText.Status(record.Status)}, first event {record.FirstEventId})",
            EventId = opening.EventId,
            DetailType = opening.DetailType,
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
    private static IEnumerable<string> PendingSteps(InterruptionRecord record, string? claimedStep) =>
        record.Steps.Where(s => s.Status == StepStatus.Pending || s.Name == claimedStep).Select(s => s.Name).ToList();
}
