using System.Globalization;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Steps.Capacity;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Prewarm;

/// <summary>
/// Pre-warm only: on a rebalance recommendation for an instance of a group with is_to_handle_rebalance_event, launch
/// its successor early, by the replace step's launch path (same subnet, the group's launch template, the same
/// capacity fallbacks), tagged spotmax:replaces so a later warning's replace step adopts it instead of launching.
/// The successor stays OUTSIDE the group until then: no attach, no detach, no drain, no Consul, no capacity change.
/// The sweep terminates successors no warning claimed.
/// </summary>
public sealed class RebalancePrewarmer(
    IInstanceInventory inventory,
    IGroupConfigSource configs,
    IAutoScalingApi autoScaling,
    ISuccessorLauncher launcher,
    IPrewarmLedger prewarms,
    IPrewarmFleet fleet,
    ILedger ledger,
    RebalanceOptions options,
    TimeProvider clock,
    IMetrics metrics,
    ILogger logger) : IRebalanceHandler
{
    private const string StepName = "prewarm";

    private readonly SuccessorLaunch _successorLaunch = new SuccessorLaunch(launcher, logger);

    /// <summary>
    /// Claims the pre-warm in the ledger and launches the successor without waiting for it to run: a recommendation has
    /// no two-minute deadline, but the work must fit the dispatcher's timeout, which the token carries.
    /// </summary>
    public async Task<DispatchResult> OnRebalanceAsync(MaxGroupEvent.RebalanceRecommendation rebalance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rebalance);
        string instanceId = rebalance.Event.Detail.InstanceId;
        metrics.Record("RebalanceRecommendations", 1, MetricUnit.Count);

        // A replayed recommendation must cost no EC2 call: the ledger answers first.
        DateTimeOffset now = clock.GetUtcNow();
        PrewarmRecord? known = await prewarms.GetAsync(instanceId, now, cancellationToken);
        if (known is not null && !PrewarmRules.CanTakeOver(known, now, options.StaleClaim))
        {
            return Duplicate(rebalance, known);
        }

        if (await ledger.GetAsync(instanceId, cancellationToken) is { } interruption)
        {
            return DispatchResult.NoOp(
                rebalance, "an interruption warning for this instance came first: the replace step handles it", instanceId, interruption.GroupName);
        }

        InstanceFacts? facts = await inventory.DescribeInstanceAsync(instanceId, cancellationToken);
        if (PrewarmRules.InstanceProblem(facts) is { } instanceProblem)
        {
            return DispatchResult.NoOp(rebalance, instanceProblem, instanceId, facts?.GroupName);
        }

        string groupName = facts!.GroupName!;
        GroupConfigLookup lookup = await configs.GetAsync(groupName, cancellationToken);
        if (PrewarmRules.ConfigProblem(lookup) is { } configProblem)
        {
            return DispatchResult.NoOp(rebalance, configProblem, instanceId, groupName);
        }

        GroupConfig config = lookup.Config!;
        AutoScalingGroupInfo? group = await autoScaling.DescribeGroupAsync(groupName, cancellationToken);
        if (group is null)
        {
            return DispatchResult.NoOp(rebalance, $"Auto Scaling group {groupName} not found", instanceId, groupName);
        }

        LaunchTemplateRef? template = ReplacementPlanner.Template(group, facts);
        if (template is null)
        {
            return DispatchResult.NoOp(rebalance, $"group {groupName} has no launch template to launch a successor from", instanceId, groupName);
        }

        IReadOnlyList<LaunchCandidate> candidates = ReplacementPlanner.Candidates(facts, group, config);
        if (options.ForceDryRun || config.DryRun)
        {
            string plan = $"dry run: would pre-warm a successor ({string.Join(", ", candidates)}) in {facts.SubnetId ?? facts.AvailabilityZone}"
                + $" tagged {SuccessorTags.Replaces}={instanceId}, kept outside the group for {(int)options.KeepFor.TotalMinutes} min; no drain, no detach";
            return DispatchResult.NoOp(rebalance, plan, instanceId, groupName) with { DryRun = true };
        }

        var claim = new PrewarmRecord
        {
            InstanceId = instanceId,
            GroupName = groupName,
            EventId = rebalance.Id,
            ClaimedAt = now,
            KeepUntil = now + options.KeepFor,
            ExpiresAt = now + options.KeepFor + options.RecordLifetime,
        };
        if (await prewarms.TryClaimAsync(claim, now, options.StaleClaim, cancellationToken) is { } blocking)
        {
            return Duplicate(rebalance, blocking);
        }

        try
        {
            return await LaunchAsync(rebalance, claim, facts, group, template, candidates, cancellationToken);
        }
        catch (Exception)
        {
            // Give the claim up so the retried delivery tries again; a successor launched before the failure is found by its tag.
            await prewarms.ReleaseClaimAsync(instanceId, CancellationToken.None);
            throw;
        }
    }

    public async Task<IReadOnlyList<string>> SweepAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<PrewarmedInstance> successors = await fleet.ListAsync(cancellationToken);
        var released = new List<string>();
        var groups = new Dictionary<string, AutoScalingGroupInfo?>(StringComparer.Ordinal);
        foreach (PrewarmedInstance successor in successors)
        {
            try
            {
                if (await JudgeAndReleaseAsync(successor, groups, cancellationToken))
                {
                    released.Add(successor.InstanceId);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One successor must not keep the others from being looked at; the next sweep retries it.
                logger.LogWarning(ex, "Could not judge pre-warmed successor {SuccessorId}", successor.InstanceId);
            }
        }

        return released;
    }

    private async Task<DispatchResult> LaunchAsync(
        MaxGroupEvent.RebalanceRecommendation rebalance,
        PrewarmRecord claim,
        InstanceFacts facts,
        AutoScalingGroupInfo group,
        LaunchTemplateRef template,
        IReadOnlyList<LaunchCandidate> candidates,
        CancellationToken cancellationToken)
    {
        string instanceId = claim.InstanceId;
        var result = new DispatchResult
        {
            Status = DispatchStatus.Started,
            Reason = "",
            EventId = rebalance.Id,
            DetailType = rebalance.DetailType,
            InstanceId = instanceId,
            GroupName = group.Name,
            Steps = [StepName],
        };

        // An earlier invocation that died after RunInstances left its successor tagged: adopt it rather than launch again.
        if (await launcher.FindSuccessorAsync(instanceId, cancellationToken) is { } earlier)
        {
            await prewarms.SetSuccessorAsync(instanceId, earlier, cancellationToken);
            return result with { Reason = $"successor {earlier} was already launched for {instanceId}: recorded as pre-warmed" };
        }

        var tags = new Dictionary<string, string>(ReplacementPlanner.Tags(group, instanceId), StringComparer.Ordinal)
        {
            [PrewarmTags.KeepUntil] = claim.KeepUntil.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        };
        SuccessorLaunchResult launched = await _successorLaunch.LaunchAsync(
            new SuccessorLaunchRequest
            {
                LaunchTemplate = template,
                Candidates = candidates,
                SubnetId = facts.SubnetId,
                AvailabilityZone = facts.AvailabilityZone,
                Tags = tags,
                // Unlike the replace step's token, this one carries the claim time: a later pre-warm of the same instance
                // (after a release) must get a new instance, not RunInstances' idempotent answer for the terminated one.
                ClientToken = index => string.Create(CultureInfo.InvariantCulture, $"maxgroup-prewarm-{instanceId}-{claim.ClaimedAt.ToUnixTimeSeconds()}-{index}"),
            },
            CapacityCalls.Once,
            cancellationToken);
        if (launched is { InstanceId: { } successor, Used: { } candidate })
        {
            await prewarms.SetSuccessorAsync(instanceId, successor, cancellationToken);
            metrics.Record("PrewarmsStarted", 1, MetricUnit.Count, new Dictionary<string, string>
            {
                ["InstanceType"] = candidate.InstanceType,
                ["Market"] = candidate.MarketText,
            });
            logger.LogInformation(
                "Pre-warmed successor {SuccessorId} ({Candidate}) for at-risk {InstanceId} in {GroupName}; kept until {KeepUntil:O}",
                successor, candidate.ToString(), instanceId, group.Name, claim.KeepUntil);
            return result with { Reason = $"pre-warmed successor {successor} ({candidate}) for {instanceId}; no drain, no detach" };
        }

        await prewarms.ReleaseClaimAsync(instanceId, cancellationToken);
        return DispatchResult.NoOp(rebalance, $"no capacity for a pre-warmed successor: {launched.AttemptsText}", instanceId, group.Name);
    }

    private async Task<bool> JudgeAndReleaseAsync(PrewarmedInstance successor, Dictionary<string, AutoScalingGroupInfo?> groups, CancellationToken cancellationToken)
    {
        bool isMember = false;
        if (successor.GroupName is { Length: > 0 } groupName)
        {
            if (!groups.TryGetValue(groupName, out AutoScalingGroupInfo? group))
            {
                group = await autoScaling.DescribeGroupAsync(groupName, cancellationToken);
                groups[groupName] = group;
            }

            isMember = group?.Instances.Any(i => i.InstanceId == successor.InstanceId) == true;
        }

        InterruptionRecord? interruption = await ledger.GetAsync(successor.ReplacesInstanceId, cancellationToken);
        InstanceFacts? atRisk = interruption is null ? await inventory.DescribeInstanceAsync(successor.ReplacesInstanceId, cancellationToken) : null;
        (bool release, string reason) = PrewarmRules.Judge(successor, isMember, atRisk, interruption, clock.GetUtcNow());
        if (!release)
        {
            return false;
        }

        if (options.ForceDryRun)
        {
            logger.LogInformation("Dry run: would release pre-warmed successor {SuccessorId} of {InstanceId}: {Reason}", successor.InstanceId, successor.ReplacesInstanceId, reason);
            return false;
        }

        await fleet.TerminateAsync(successor.InstanceId, cancellationToken);
        await prewarms.SetStatusAsync(successor.ReplacesInstanceId, PrewarmStatus.Released, reason, cancellationToken);
        metrics.Record("PrewarmsReleased", 1, MetricUnit.Count);
        logger.LogInformation("Released pre-warmed successor {SuccessorId} of {InstanceId}: {Reason}", successor.InstanceId, successor.ReplacesInstanceId, reason);
        return true;
    }

    private DispatchResult Duplicate(MaxGroupEvent.RebalanceRecommendation rebalance, PrewarmRecord record)
    {
        metrics.Record("DuplicateDeliveries", 1, MetricUnit.Count);
        return new DispatchResult
        {
            Status = DispatchStatus.Duplicate,
            Reason = $"already pre-warmed (status {record.Status.ToString().ToLowerInvariant()}, successor {record.SuccessorInstanceId ?? "pending"}, first event {record.EventId})",
            EventId = rebalance.Id,
            DetailType = rebalance.DetailType,
            InstanceId = record.InstanceId,
            GroupName = record.GroupName,
        };
    }
}
