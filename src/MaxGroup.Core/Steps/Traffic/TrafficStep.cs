using System.Globalization;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MaxGroup.Core.Steps.Traffic;

/// <summary>
/// The "traffic" remediation step (lb_deregistration): at the warning, takes the doomed instance out of its group's
/// instance-type target groups (DeregisterTargets) and Classic Load Balancers (DeregisterInstancesFromLoadBalancer),
/// then waits, inside the deadline, until the targets leave draining or the deregistration delay has passed (cut to
/// lb_deregistration_wait_seconds). The drain evicts only after this step has ended (<see cref="LedgerTrafficGate"/>).
/// IP-type target groups are left to the aws-load-balancer-controller, which removes a pod's IP when the pod goes.
/// </summary>
public sealed class TrafficStep(IAutoScalingApi autoScaling, ILoadBalancerApi loadBalancers, TimeProvider clock, ILogger<TrafficStep>? logger = null) : IRemediationStep
{
    /// <summary>Stop waiting this long before reclaim so the outcome is recorded while the function still runs.</summary>
    public static readonly TimeSpan ReportMargin = TimeSpan.FromSeconds(2);

    /// <summary>How often DescribeTargetHealth and DescribeInstanceHealth are asked while the targets drain.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    /// <summary>AWS's default deregistration_delay.timeout_seconds, used when a target group does not say.</summary>
    public const int DefaultDeregistrationDelaySeconds = 300;

    private readonly IAutoScalingApi _autoScaling = autoScaling ?? throw new ArgumentNullException(nameof(autoScaling));
    private readonly ILoadBalancerApi _loadBalancers = loadBalancers ?? throw new ArgumentNullException(nameof(loadBalancers));
    private readonly TimeProvider _clock = clock ?? throw new ArgumentNullException(nameof(clock));
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public string Name => StepNames.Traffic;

    /// <summary>Nothing routes to an instance that is gone.</summary>
    public bool EndsAtReclaim(RemediationRequest request) => true;

    public async Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        GroupConfig config = request.Config;
        if (!config.HasTrafficStep)
        {
            return StepOutcome.NoOp("lb_deregistration is off for this group");
        }

        string instanceId = request.Instance.InstanceId;
        bool dryRun = request.DryRun || config.DryRun;
        try
        {
            AutoScalingGroupInfo? group = await _autoScaling.DescribeGroupAsync(config.GroupName, cancellationToken).ConfigureAwait(false);
            if (group is null)
            {
                return StepOutcome.NoOp($"group {config.GroupName} not found: no load balancer to leave");
            }

            if (group.TargetGroupArns.Count == 0 && group.LoadBalancerNames.Count == 0)
            {
                return StepOutcome.NoOp("the group has no target group and no Classic Load Balancer");
            }

            var plan = new TrafficPlan();
            await PlanTargetGroupsAsync(group.TargetGroupArns, instanceId, plan, cancellationToken).ConfigureAwait(false);
            await PlanClassicAsync(group.LoadBalancerNames, instanceId, plan, cancellationToken).ConfigureAwait(false);
            TimeSpan wait = WaitFor(plan, config, request.ReclaimAt);
            if (dryRun)
            {
                plan.Details["would_wait_seconds"] = Format(wait.TotalSeconds);
                string would = plan.Deregister.Count + plan.Classic.Count(c => c.Deregister) == 0
                    ? "nothing to deregister"
                    : $"would deregister {instanceId} from {string.Join(", ", plan.Names())}";
                return new StepOutcome { Status = StepStatus.NoOp, Reason = $"dry run: {would}, then wait up to {Format(wait.TotalSeconds)} s", Details = plan.Details };
            }

            foreach (TargetGroupWatch watch in plan.Deregister)
            {
                // A target already draining (an earlier run deregistered it) is only waited for.
                List<TargetHealth> registered = watch.Targets.Where(t => !t.IsDraining).ToList();
                if (registered.Count > 0)
                {
                    await _loadBalancers.DeregisterTargetsAsync(watch.Arn, registered, cancellationToken).ConfigureAwait(false);
                }
            }

            foreach (ClassicWatch classic in plan.Classic.Where(c => c.Deregister))
            {
                await _loadBalancers.DeregisterFromClassicAsync(classic.Name, instanceId, cancellationToken).ConfigureAwait(false);
            }

            _logger.LogInformation("Deregistered {InstanceId} from {LoadBalancers}; waiting up to {Wait} s for draining", instanceId, string.Join(", ", plan.Names()), Format(wait.TotalSeconds));
            string waited = await WaitDrainedAsync(plan, instanceId, wait, cancellationToken).ConfigureAwait(false);
            plan.Details["wait"] = waited;
            return plan.Names().Count == 0
                ? new StepOutcome { Status = StepStatus.NoOp, Reason = $"{instanceId} was in no instance-type target group or Classic Load Balancer of the group", Details = plan.Details }
                : StepOutcome.Done($"{instanceId} out of {string.Join(", ", plan.Names())}: {waited}", plan.Details);
        }
        catch (RemoteApiException ex)
        {
            return StepOutcome.Failed($"Elastic Load Balancing or Auto Scaling refused: {ex.Message}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return StepOutcome.Skipped("deadline reached before the instance was out of its load balancers");
        }
    }

    /// <summary>How long to wait: the longest deregistration delay met, cut to lb_deregistration_wait_seconds and to the reclaim.</summary>
    private TimeSpan WaitFor(TrafficPlan plan, GroupConfig config, DateTimeOffset reclaimAt)
    {
        int delay = plan.Deregister.Select(w => w.DelaySeconds).Concat(plan.Classic.Select(_ => config.LbDeregistrationWaitSeconds)).DefaultIfEmpty(0).Max();
        TimeSpan wait = TimeSpan.FromSeconds(Math.Min(delay, config.LbDeregistrationWaitSeconds));
        TimeSpan left = reclaimAt - ReportMargin - _clock.GetUtcNow();
        return left < wait ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : wait;
    }

    private async Task PlanTargetGroupsAsync(IReadOnlyList<string> arns, string instanceId, TrafficPlan plan, CancellationToken cancellationToken)
    {
        if (arns.Count == 0)
        {
            return;
        }

        foreach (TargetGroupInfo group in await _loadBalancers.DescribeTargetGroupsAsync(arns, cancellationToken).ConfigureAwait(false))
        {
            string name = group.Name ?? group.Arn;
            if (!string.Equals(group.TargetType, "instance", StringComparison.OrdinalIgnoreCase))
            {
                plan.Add("left_to_controller", name);
                continue;
            }

            // Every port the instance is registered on; a draining one is waited for, not deregistered again.
            var mine = (await _loadBalancers.DescribeTargetHealthAsync(group.Arn, [], cancellationToken).ConfigureAwait(false))
                .Where(t => t.Id == instanceId && !t.IsGone)
                .ToList();
            if (mine.Count == 0)
            {
                plan.Add("not_registered", name);
                continue;
            }

            int delay = await _loadBalancers.DescribeDeregistrationDelayAsync(group.Arn, cancellationToken).ConfigureAwait(false) ?? DefaultDeregistrationDelaySeconds;
            plan.Deregister.Add(new TargetGroupWatch(group.Arn, name, mine, delay));
            plan.Add("target_groups", $"{name}:{string.Join('/', mine.Select(t => t.Port?.ToString(CultureInfo.InvariantCulture) ?? "default"))}");
        }
    }

    private async Task PlanClassicAsync(IReadOnlyList<string> names, string instanceId, TrafficPlan plan, CancellationToken cancellationToken)
    {
        foreach (string name in names)
        {
            ClassicInstanceHealth? health = await _loadBalancers.DescribeClassicInstanceHealthAsync(name, instanceId, cancellationToken).ConfigureAwait(false);
            if (health is null || !(health.IsRegistered || health.IsDeregistering))
            {
                plan.Add("not_registered", name);
                continue;
            }

            plan.Classic.Add(new ClassicWatch(name, health.IsRegistered));
            plan.Add("classic_load_balancers", name);
        }
    }

    /// <summary>Polls until no watched target is draining any more, or <paramref name="wait"/> has passed.</summary>
    private async Task<string> WaitDrainedAsync(TrafficPlan plan, string instanceId, TimeSpan wait, CancellationToken cancellationToken)
    {
        var budget = new PollBudget(_clock, wait, PollInterval);
        var pending = new List<string>();
        while (true)
        {
            pending.Clear();
            foreach (TargetGroupWatch watch in plan.Deregister)
            {
                IReadOnlyList<TargetHealth> health = await _loadBalancers.DescribeTargetHealthAsync(watch.Arn, watch.Targets, cancellationToken).ConfigureAwait(false);
                if (health.Any(t => t.Id == instanceId && !t.IsGone))
                {
                    pending.Add(watch.Name);
                }
            }

            foreach (ClassicWatch classic in plan.Classic)
            {
                ClassicInstanceHealth? health = await _loadBalancers.DescribeClassicInstanceHealthAsync(classic.Name, instanceId, cancellationToken).ConfigureAwait(false);
                if (health is not null && (health.IsDeregistering || health.IsRegistered))
                {
                    pending.Add(classic.Name);
                }
            }

            if (pending.Count == 0)
            {
                return $"drained after {Format(budget.Elapsed.TotalSeconds)} s";
            }

            if (!await budget.NextAsync(cancellationToken).ConfigureAwait(false))
            {
                plan.Details["still_draining"] = string.Join(',', pending);
                return $"wait cut at {Format(wait.TotalSeconds)} s with {string.Join(", ", pending)} still draining";
            }
        }
    }

    private static string Format(double seconds) => seconds.ToString("0.0", CultureInfo.InvariantCulture);

    private sealed record TargetGroupWatch(string Arn, string Name, IReadOnlyList<TargetHealth> Targets, int DelaySeconds);

    private sealed record ClassicWatch(string Name, bool Deregister);

    /// <summary>What the step found: the target groups and Classic Load Balancers to leave, and the outcome's details.</summary>
    private sealed class TrafficPlan
    {
        public List<TargetGroupWatch> Deregister { get; } = [];

        public List<ClassicWatch> Classic { get; } = [];

        public Dictionary<string, string> Details { get; } = new(StringComparer.Ordinal);

        public List<string> Names() => [.. Deregister.Select(w => w.Name), .. Classic.Select(c => c.Name)];

        public void Add(string key, string value) =>
            Details[key] = Details.TryGetValue(key, out string? before) ? $"{before},{value}" : value;
    }
}
