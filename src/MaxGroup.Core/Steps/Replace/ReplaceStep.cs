using System.Globalization;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Steps.Capacity;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Replace;

/// <summary>
/// Gets the group a successor for the interrupted instance and takes the doomed instance out, leaving desired
/// capacity where it was. detach: DetachInstances without decrement, the group launches the replacement.
/// launch (max_group's way): launch a successor in the same subnet at once, attach it, detach the doomed
/// instance with decrement after detaching_delay_seconds. Idempotent: a re-run reuses what an earlier run did.
/// </summary>
/// <remarks>
/// One file per seam: this one decides and plans; <c>ReplaceStep.DetachStrategy.cs</c>, <c>ReplaceStep.LaunchStrategy.cs</c>
/// and <c>ReplaceStep.AfterReclaim.cs</c> (with the detach-and-restore ending both launch paths share) act.
/// </remarks>
public sealed partial class ReplaceStep : IRemediationStep
{
    private const string MaxRaisedFrom = "replace.max_raised_from";
    private const string MaxRestored = "replace.max_restored";
    private const string DesiredBefore = "replace.desired_before";
    private static readonly ReplacePrefetch NoPrefetch = new();

    private readonly IAutoScalingApi _autoScaling;
    private readonly ISuccessorLauncher _launcher;
    private readonly SuccessorLaunch _successorLaunch;
    private readonly GroupMembership _membership;
    private readonly IInstanceInventory _inventory;
    private readonly ILedger _ledger;
    private readonly TimeProvider _clock;
    private readonly IMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ReplaceOptions _options;
    private readonly ISpotPoolBans? _poolBans;

    public ReplaceStep(
        IAutoScalingApi autoScaling,
        ISuccessorLauncher launcher,
        IInstanceInventory inventory,
        ILedger ledger,
        TimeProvider clock,
        IMetrics metrics,
        ILogger logger,
        ReplaceOptions? options = null,
        ISpotPoolBans? poolBans = null)
    {
        _autoScaling = autoScaling;
        _launcher = launcher;
        _successorLaunch = new SuccessorLaunch(launcher, logger);
        _membership = new GroupMembership(autoScaling, logger);
        _inventory = inventory;
        _ledger = ledger;
        _clock = clock;
        _metrics = metrics;
        _logger = logger;
        _options = options ?? new ReplaceOptions();
        _poolBans = poolBans;
    }

    public string Name => StepNames.Replace;

    /// <summary>A resume that starts after the reclaim time only finishes what a dead run left (see <see cref="FinishAfterReclaimAsync"/>).</summary>
    public bool EndsAtReclaim(RemediationRequest request) => request is not { Resume: true } || request.ReclaimAt > _clock.GetUtcNow();

    public async Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ReclaimDeadline deadline = request.Deadline;
        if (deadline.HasPassed(_clock))
        {
            return request.Resume && !request.DryRun && request.Config.EffectiveStrategy == ReplacementStrategy.Launch
                ? await FinishAfterReclaimAsync(request, cancellationToken)
                : StepOutcome.Skipped($"reclaim time {request.ReclaimAt:O} has passed");
        }

        string? groupName = GroupNameOf(request);
        if (groupName is null)
        {
            return StepOutcome.NoOp("instance is in no Auto Scaling group");
        }

        // The dispatcher described the group a moment ago, in parallel with the config read: no second round trip.
        AutoScalingGroupInfo? group = PrefetchOf(request).Group is { } known && known.Name == groupName
            ? known
            : await DescribeGroupAsync(groupName, deadline, cancellationToken);
        if (group is null)
        {
            return StepOutcome.Failed($"Auto Scaling group {groupName} not found");
        }

        var plan = ReplacePlan.For(request.Instance, group, request.Config);
        var details = new Dictionary<string, string>
        {
            ["strategy"] = plan.StrategyText,
        };
        if (group.CapacityRebalance)
        {
            _logger.LogWarning("Group {GroupName} has Capacity Rebalance on: AWS replaces interrupted instances itself and races MaxGroup", groupName);
            details["warning"] = ReplacePlan.CapacityRebalanceWarning;
        }

        if (request.DryRun)
        {
            return DryRun(request, plan, deadline, details);
        }

        return plan.Launches
            ? await LaunchStrategyAsync(request, group, deadline, details, cancellationToken)
            : await DetachStrategyAsync(request, group, deadline, details, cancellationToken);
    }

    private StepOutcome DryRun(RemediationRequest request, ReplacePlan plan, ReclaimDeadline deadline, Dictionary<string, string> details)
    {
        details["detach_delay_seconds"] = Seconds(DetachDelay(request, deadline));
        if (plan.Launches)
        {
            details["candidates"] = plan.CandidatesText;
            details["launch_template"] = plan.TemplateText ?? "(none)";
            details["subnet"] = plan.Placement;
            details["tags"] = plan.TagsText;
            details["raise_max_size"] = plan.RaisesMaxSize ? $"{plan.MaxSizeChangeText}, restored after" : "no";
        }

        string sentence = plan.Sentence(details["detach_delay_seconds"]);
        _logger.LogInformation("Dry run for {InstanceId}: {Plan}", request.Instance.InstanceId, sentence);
        return new StepOutcome { Status = StepStatus.NoOp, Reason = $"dry run: {sentence}", Details = details };
    }

    /// <summary>What the dispatcher pre-fetched for this step (nothing = an empty one: the step describes and searches itself).</summary>
    private static ReplacePrefetch PrefetchOf(RemediationRequest request) => request.Prefetch ?? NoPrefetch;

    /// <summary>The dispatcher created the interruption with this step claimed and searched for a pre-launched successor.</summary>
    private static bool IsFirstRun(RemediationRequest request) => request.StepClaimedAt is not null && PrefetchOf(request).SuccessorSearched;

    private static string? GroupNameOf(RemediationRequest request) =>
        request.Instance.GroupName ?? (request.Config.GroupName.Length > 0 ? request.Config.GroupName : null);

    private CapacityCalls CallsWithin(ReclaimDeadline deadline) =>
        CapacityCalls.WithinDeadline(deadline, _clock, _logger, _options.FirstBackoff, _options.MaxBackoff);

    private Task<AutoScalingGroupInfo?> DescribeGroupAsync(string groupName, ReclaimDeadline deadline, CancellationToken cancellationToken) =>
        CallsWithin(deadline).RunAsync(ct => _autoScaling.DescribeGroupAsync(groupName, ct), cancellationToken);

    private TimeSpan DetachDelay(RemediationRequest request, ReclaimDeadline deadline) =>
        ReplacementPlanner.BoundedDelay(TimeSpan.FromSeconds(request.Config.DetachingDelaySeconds), _clock.GetUtcNow(), deadline.ReclaimAt, _options.SafetyMargin);

    private void RecordReactionLatency(RemediationRequest request, string strategy) =>
        _metrics.Record("ReactionLatency", (_clock.GetUtcNow() - request.WarningTime).TotalMilliseconds, MetricUnit.Milliseconds,
            new Dictionary<string, string> { ["Strategy"] = strategy });

    /// <summary>The Spot pools banned now; none when there is no ban store or it cannot be read (a ban only steers).</summary>
    private async Task<IReadOnlyCollection<SpotPoolBan>> BannedPoolsAsync(CancellationToken cancellationToken)
    {
        if (_poolBans is null)
        {
            return [];
        }

        try
        {
            return await _poolBans.ActiveAsync(_clock.GetUtcNow(), cancellationToken);
        }
        catch (RemoteApiException ex)
        {
            _logger.LogWarning("Spot pool bans not read ({ErrorCode}): launching without them", ex.ErrorCode);
            return [];
        }
    }

    /// <summary>
    /// In the group and staying: not detaching or detached, and in no terminating state (Terminating, Terminating:Wait
    /// while a termination hook holds it, Terminating:Proceed, Terminated, nor their Warmed: forms). A leaving member
    /// cannot be detached (AWS takes only InService or Standby), and the group replaces it on its own.
    /// </summary>
    private static bool IsMember(AutoScalingGroupInfo group, string instanceId) =>
        group.Instances.Any(i => i.InstanceId == instanceId && !IsLeaving(i.LifecycleState));

    private static bool IsLeaving(string? lifecycleState) =>
        lifecycleState is not null
        && (lifecycleState.StartsWith("Detach", StringComparison.Ordinal) || lifecycleState.Contains("Terminat", StringComparison.Ordinal));

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan span) => ((int)span.TotalSeconds).ToString(CultureInfo.InvariantCulture);
}
