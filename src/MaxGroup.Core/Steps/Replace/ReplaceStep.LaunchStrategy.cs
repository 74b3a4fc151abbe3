using System.Globalization;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Steps.Capacity;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Replace;

/// <summary>The launch strategy: a successor launched (or reused) in the same subnet, attached, then the doomed instance out with decrement.</summary>
public sealed partial class ReplaceStep
{
    private async Task<StepOutcome> LaunchStrategyAsync(
        RemediationRequest request, AutoScalingGroupInfo group, ReclaimDeadline deadline, Dictionary<string, string> details, CancellationToken cancellationToken)
    {
        string doomed = request.Instance.InstanceId;
        // A first run (this dispatch created the record) has no progress and no recorded successor; only a successor
        // pre-launched on a rebalance recommendation can exist, and the dispatcher searched for it in parallel. A re-run
        // reads both itself.
        bool firstRun = IsFirstRun(request);
        InterruptionRecord? record = firstRun ? null : await _ledger.GetAsync(doomed, cancellationToken);
        IReadOnlyDictionary<string, string> progress = record?.Progress ?? new Dictionary<string, string>();

        string? successor = firstRun
            ? PrefetchOf(request).Successor
            : record?.SuccessorInstanceId ?? await _launcher.FindSuccessorAsync(doomed, cancellationToken);
        if (successor is not null)
        {
            details["successor_reused"] = "true";
        }
        else
        {
            LaunchTemplateRef? template = ReplacementPlanner.Template(group, request.Instance);
            if (template is null)
            {
                return StepOutcome.Failed($"group {group.Name} has no launch template to launch a successor from", details);
            }

            SuccessorLaunchResult launched = await LaunchSuccessorAsync(request, group, template, deadline, cancellationToken);
            details["attempts"] = launched.AttemptsText;
            details["launch_api"] = launched.Api;
            if (launched.FleetRefusal is { } refusal)
            {
                details["create_fleet_refused"] = refusal;
            }

            if (launched is not { InstanceId: { } id, Used: { } used })
            {
                return StepOutcome.Failed($"no capacity for a successor: {launched.AttemptsText}", details);
            }

            successor = id;
            details["successor_type"] = used.InstanceType;
            details["successor_market"] = used.MarketText;
            if (launched.Pool?.SubnetId is { } subnet)
            {
                details["successor_subnet"] = subnet;
            }
        }

        details["successor_instance_id"] = successor;
        await _ledger.SetSuccessorAsync(doomed, successor, _clock.GetUtcNow(), cancellationToken);

        InstanceFacts? successorFacts = await WaitUntilRunningAsync(successor, deadline, cancellationToken);
        if (successorFacts is null)
        {
            return StepOutcome.Failed($"successor {successor} did not reach running", details);
        }

        group = await DescribeGroupAsync(group.Name, deadline, cancellationToken) ?? group;
        if (!IsMember(group, successor))
        {
            progress = await AttachSuccessorAsync(doomed, group, successor, progress, deadline, details, cancellationToken);
        }

        TimeSpan delay = DetachDelay(request, deadline);
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _clock, cancellationToken);
        }

        await DetachAndRestoreAsync(group.Name, doomed, progress, deadline, details, IsRetirement(request), cancellationToken);
        string left = details.ContainsKey(TerminatedDetail) ? "terminated (scheduled retirement)" : "detached";
        return StepOutcome.Done($"successor {successor} attached and {doomed} {left}", details);
    }

    /// <summary>The candidates in order, each launch retried within the deadline; the metrics say which one had capacity.</summary>
    private async Task<SuccessorLaunchResult> LaunchSuccessorAsync(
        RemediationRequest request, AutoScalingGroupInfo group, LaunchTemplateRef template, ReclaimDeadline deadline, CancellationToken cancellationToken)
    {
        string doomed = request.Instance.InstanceId;
        IReadOnlyList<LaunchCandidate> candidates = ReplacementPlanner.Candidates(request.Instance, group, request.Config);
        if (candidates.Count > 0)
        {
            RecordReactionLatency(request, "launch");
        }

        SuccessorLaunchResult launched = await _successorLaunch.LaunchAsync(
            new SuccessorLaunchRequest
            {
                LaunchTemplate = template,
                Candidates = candidates,
                SubnetId = request.Instance.SubnetId,
                AvailabilityZone = request.Instance.AvailabilityZone,
                // Every zone of the group, unless a data volume must follow: then its zone only.
                Subnets = group.SubnetIds,
                StayInZone = request.Config.HasVolumeStep,
                KnownSubnetZones = PrefetchOf(request).SubnetZones,
                BannedPools = PrefetchOf(request).BannedPools ?? await BannedPoolsAsync(cancellationToken),
                Tags = ReplacementPlanner.Tags(group, doomed),
                ClientToken = index => string.Create(CultureInfo.InvariantCulture, $"maxgroup-{doomed}-{index}"),
            },
            CallsWithin(deadline),
            cancellationToken);
        if (launched is { InstanceId: { } id, Used: { } used })
        {
            _metrics.Record("SuccessorsLaunched", 1, MetricUnit.Count, new Dictionary<string, string>
            {
                ["InstanceType"] = used.InstanceType,
                ["Market"] = used.MarketText,
            });
            _metrics.RecordExact(LegacyMetrics.Namespace, LegacyMetrics.Name, 1, MetricUnit.Count, LegacyMetrics.PreComplementDimensions);
            // A fallback: On-Demand for a Spot instance (not asked for by is_only_od_rep), or an alternative type. The
            // preaction schedule swaps these back to Spot (is_to_revert_to_spot).
            bool onDemandFallback = used.Market == PurchaseMarket.OnDemand && request.Instance.Lifecycle == "spot" && !request.Config.IsOnlyOdRep;
            bool alternative = request.Config.AlternativeInstanceTypes.Contains(used.InstanceType, StringComparer.Ordinal)
                && !group.OverrideInstanceTypes.Contains(used.InstanceType, StringComparer.Ordinal)
                && used.InstanceType != request.Instance.InstanceType;
            if (onDemandFallback || alternative)
            {
                _metrics.Record("FallbackLaunches", 1, MetricUnit.Count, new Dictionary<string, string> { ["Market"] = used.MarketText });
            }

            _logger.LogInformation("Launched successor {SuccessorId} ({Candidate}) for {InstanceId}", id, used.ToString(), doomed);
        }

        return launched;
    }

    /// <summary>
    /// Desired capacity and, for a full group, MaxSize noted in the ledger before they change (a crash in between still
    /// gets them restored), then the successor attached. Returns the progress with the notes.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, string>> AttachSuccessorAsync(
        string doomed, AutoScalingGroupInfo group, string successor, IReadOnlyDictionary<string, string> progress, ReclaimDeadline deadline,
        Dictionary<string, string> details, CancellationToken cancellationToken)
    {
        if (!progress.ContainsKey(DesiredBefore))
        {
            await _ledger.SetProgressAsync(doomed, DesiredBefore, Text(group.DesiredCapacity), cancellationToken);
            progress = new Dictionary<string, string>(progress) { [DesiredBefore] = Text(group.DesiredCapacity) };
        }

        CapacityCalls calls = CallsWithin(deadline);
        int? raisedFrom = await _membership.RaiseMaxSizeIfFullAsync(
            group,
            async (originalMax, ct) =>
            {
                if (!progress.ContainsKey(MaxRaisedFrom))
                {
                    await _ledger.SetProgressAsync(doomed, MaxRaisedFrom, Text(originalMax), ct);
                    progress = new Dictionary<string, string>(progress) { [MaxRaisedFrom] = Text(originalMax) };
                }
            },
            calls,
            cancellationToken);
        if (raisedFrom is int from)
        {
            details["max_size_raised"] = $"{from} -> {from + 1}";
        }

        await _membership.AttachAsync(group.Name, successor, calls, cancellationToken);
        details["attached"] = successor;
        return progress;
    }

    private async Task<InstanceFacts?> WaitUntilRunningAsync(string instanceId, ReclaimDeadline deadline, CancellationToken cancellationToken)
    {
        CapacityCalls calls = CallsWithin(deadline);
        while (true)
        {
            InstanceFacts? facts = await calls.RunAsync(ct => _inventory.DescribeInstanceAsync(instanceId, ct), cancellationToken);
            if (facts is { State: "running" })
            {
                return facts;
            }

            if (facts is { IsGone: true } || !deadline.CanFit(_options.PollInterval + _options.SafetyMargin, _clock))
            {
                return null;
            }

            // A just-launched instance can be missing from DescribeInstances for a moment (eventual consistency).
            await Task.Delay(_options.PollInterval, _clock, cancellationToken);
        }
    }
}
