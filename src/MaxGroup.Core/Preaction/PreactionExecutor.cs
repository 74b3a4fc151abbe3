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
/// <remarks>
/// This file plans and starts a batch; <c>PreactionExecutor.Batch.cs</c> advances it (launch, attach) and
/// <c>PreactionExecutor.HandOver.cs</c> lets the old instances go (hand-over steps, detach, volume).
/// </remarks>
public sealed partial class PreactionExecutor
{
    private readonly IAutoScalingApi _autoScaling;
    private readonly IPreactionInstanceApi _instances;
    private readonly ISuccessorLauncher _launcher;
    private readonly SuccessorLaunch _successorLaunch;
    private readonly GroupMembership _membership;
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
        _successorLaunch = new SuccessorLaunch(launcher, logger);
        _membership = new GroupMembership(autoScaling, logger);
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
        AutoScalingGroupInfo? group = await _autoScaling.DescribeGroupAsync(groupName, cancellationToken);
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
        bool advisorSwaps = config.IsEnablePreaction && _options.AdvisorSwaps;
        PreactionPlan plan = PreactionPlanner.PlanWithReverts(
            group, config, facts.ToDictionary(f => f.InstanceId, StringComparer.Ordinal), advisor, _options.Region, _options.BucketThreshold, advisorSwaps, _clock.GetUtcNow());
        string? missing = MissingHandOver(config);
        if (missing is not null && plan.Swaps.Count > 0)
        {
            plan = plan with { Swaps = [], Notes = [.. plan.Notes, missing] };
        }

        IReadOnlyList<string> planned = plan.Swaps.Select(s => $"would replace {s}").ToList();
        if (!dryRun && advisor.IsFallback && !_options.ActOnFallbackData && plan.Swaps.Any(s => s.Kind == SwapKind.Advisor))
        {
            string heldBack = $"the advisor download failed and the trimmed snapshot ({advisor.Origin}) is only planned with; set {PreactionOptions.ActOnFallbackVariable}=true to act on it";
            // The swap back to Spot needs no advisor data: it goes ahead; only the advisor's own swaps wait for a download.
            List<PlannedSwap> reverts = plan.Swaps.Where(s => s.Kind != SwapKind.Advisor).ToList();
            if (reverts.Count == 0)
            {
                return new PreactionGroupResult { GroupName = groupName, Status = "skipped", Reason = heldBack, Plan = plan, Actions = planned };
            }

            plan = plan with { Swaps = reverts, Notes = [.. plan.Notes, "advisor swaps left out: " + heldBack] };
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
                Kind = s.Kind,
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

    private static string Summary(PreactionPlan plan) =>
        plan.Swaps.Count > 0
            ? $"{plan.Swaps.Count} swap(s): {string.Join("; ", plan.Swaps)}"
            : plan.Notes.Count > 0 ? string.Join("; ", plan.Notes) : "no instance of a risky type with a safer allowed alternative";
}
