using MaxGroup.Core.Config;
using MaxGroup.Core.Events;
using MaxGroup.Core.Instances;
using MaxGroup.Core.Ledger;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Rebalance;
using MaxGroup.Core.Remediation;
using MaxGroup.Core.Time;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Dispatch;

/// <summary>
/// Turns one EventBridge event into work: for a Spot warning, one instance lookup, the group's config, the ledger
/// entry (the conditional write that makes duplicates harmless), then the group's remediation steps started in
/// parallel. Other event types are routed to the component that owns them.
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

    public Dispatcher(
        IInstanceInventory inventory,
        IGroupConfigSource configs,
        ILedger ledger,
        IFunctionInvoker invoker,
        IVolumeTriggers volumeTriggers,
        DispatcherOptions options,
        TimeProvider clock,
        IMetrics metrics,
        ILogger logger)
    {
        _inventory = inventory;
        _configs = configs;
        _ledger = ledger;
        _invoker = invoker;
        _volumeTriggers = volumeTriggers;
        _options = options;
        _clock = clock;
        _metrics = metrics;
        _logger = logger;
    }

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
            MaxGroupEvent.InstanceStateChange stateChange => await _volumeTriggers.OnInstanceStateChangeAsync(stateChange, cancellationToken),
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
                await SkipAllAsync(record, reason, cancellationToken);
                continue;
            }

            _logger.LogInformation("Dequeued interruption of {InstanceId} in {GroupName}", item.InstanceId, record.GroupName);
            await StartStepsAsync(record, facts, lookup.Config, "dequeued", cancellationToken);
        }

        return started;
    }

    private async Task<DispatchResult> HandleWarningAsync(MaxGroupEvent.SpotInterruption warning, CancellationToken cancellationToken)
    {
        SpotInterruptionDetail detail = warning.Event.Detail;
        string instanceId = detail.InstanceId;
        var deadline = ReclaimDeadline.FromWarning(warning.Time);
        _metrics.Record("InterruptionWarnings", 1, MetricUnit.Count);

        // A replayed warning must cost no EC2 call: the ledger answers first.
        InterruptionRecord? existing = await _ledger.GetAsync(instanceId, cancellationToken);
        if (existing is not null)
        {
            BeginResult seen = await _ledger.TryBeginInterruptionAsync(
                existing with { EventIds = [warning.Id] }, _options.Limits, _clock.GetUtcNow(), cancellationToken);
            return Duplicate(warning, seen.Record);
        }

        InstanceFacts? facts = await _inventory.DescribeInstanceAsync(instanceId, cancellationToken);
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

        GroupConfigLookup lookup = await _configs.GetAsync(facts.GroupName, cancellationToken);
        if (!lookup.Managed || lookup.Config is null)
        {
            return DispatchResult.NoOp(warning, $"group is not managed: {lookup.Reason}", instanceId, facts.GroupName);
        }

        GroupConfig config = lookup.Config;
        if (!config.Enabled)
        {
            return DispatchResult.NoOp(warning, "group is disabled in its configuration", instanceId, facts.GroupName);
        }

        IReadOnlyList<string> steps = PlanSteps(config);
        bool dryRun = _options.ForceDryRun || config.DryRun;
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
            Steps = steps.Select(s => new StepRecord { Name = s }).ToList(),
            Timeline = [new TimelineEntry(now, "interruption", "warning", warning.Id)],
            CreatedAt = now,
            ExpiresAt = deadline.WarningTime + _options.RecordLifetime,
        };

        BeginResult begin = await _ledger.TryBeginInterruptionAsync(record, _options.Limits, now, cancellationToken);
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
                IReadOnlyDictionary<string, string> errors = await StartStepsAsync(begin.Record, facts, config, "warning", cancellationToken);
                return result with
                {
                    Reason = errors.Count == 0 ? $"started {string.Join(", ", steps)}" : $"started with {errors.Count} step(s) failing to start",
                    StartErrors = errors,
                };
        }
    }

    private async Task<IReadOnlyDictionary<string, string>> StartStepsAsync(
        InterruptionRecord record, InstanceFacts facts, GroupConfig config, string trigger, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string>();
        IEnumerable<Task> starts = record.Steps.Where(s => s.Status == StepStatus.Pending).Select(async step =>
        {
            var request = new RemediationRequest
            {
                Step = step.Name,
                EventId = record.FirstEventId,
                InstanceAction = record.InstanceAction,
                WarningTime = record.WarningTime,
                ReclaimAt = record.ReclaimAt,
                Instance = facts,
                Config = config,
                DryRun = record.DryRun,
                Trigger = trigger,
            };
            try
            {
                await _invoker.StartAsync(request, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogError(ex, "Could not start step {Step} for {InstanceId}", step.Name, record.InstanceId);
                lock (errors)
                {
                    errors[step.Name] = ex.Message;
                }
            }
        });
        await Task.WhenAll(starts);

        foreach ((string step, string error) in errors)
        {
            InterruptionRecord? updated = await _ledger.RecordStepAsync(
                record.InstanceId, step, StepOutcome.Failed($"could not start: {error}"), _clock.GetUtcNow(), cancellationToken);
            await CompleteIfFinishedAsync(updated, cancellationToken);
        }

        return errors;
    }

    private async Task SkipAllAsync(InterruptionRecord record, string reason, CancellationToken cancellationToken)
    {
        InterruptionRecord? updated = record;
        foreach (StepRecord step in record.Steps.Where(s => s.IsOutstanding))
        {
            updated = await _ledger.RecordStepAsync(record.InstanceId, step.Name, StepOutcome.Skipped(reason), _clock.GetUtcNow(), cancellationToken);
        }

        await CompleteIfFinishedAsync(updated, cancellationToken);
    }

    private async Task CompleteIfFinishedAsync(InterruptionRecord? record, CancellationToken cancellationToken)
    {
        if (record is { Status: InterruptionStatus.Active } && record.Steps.All(s => !s.IsOutstanding))
        {
            await _ledger.TryCompleteInterruptionAsync(record.InstanceId, _clock.GetUtcNow(), cancellationToken);
        }
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

    private static string ActionText(InstanceAction action) => action switch
    {
        InstanceAction.Stop => "stop",
        InstanceAction.Hibernate => "hibernate",
        _ => "terminate",
    };
}
