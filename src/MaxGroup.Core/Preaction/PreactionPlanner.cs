using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Preaction;

/// <summary>
/// The decisions of preaction, free of I/O: rank the group's allowed types by the advisor's interruption bucket and
/// pick the InService Spot instances of risky types that have a strictly safer allowed alternative, within the
/// batch size and the group's room to grow.
/// </summary>
public static class PreactionPlanner
{
    /// <summary>
    /// The types a successor may have: the mixed instances policy's overrides, or else the types the group runs now
    /// (a group with a single type), plus the config's alt1..altN.
    /// </summary>
    public static IReadOnlyList<string> AllowedTypes(AutoScalingGroupInfo group, GroupConfig config)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(config);
        IEnumerable<string> primary = group.OverrideInstanceTypes.Count > 0
            ? group.OverrideInstanceTypes
            : group.Instances.Select(i => i.InstanceType ?? "");
        return primary.Concat(config.AlternativeInstanceTypes)
            .Where(t => !string.IsNullOrWhiteSpace(t))
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Safest first: lower bucket, then higher savings, then the group's own order. Unrated types last with bucket -1.</summary>
    public static IReadOnlyList<RankedInstanceType> Rank(IReadOnlyList<string> allowedTypes, SpotAdvisorData advisor, string region)
    {
        ArgumentNullException.ThrowIfNull(allowedTypes);
        ArgumentNullException.ThrowIfNull(advisor);
        return allowedTypes
            .Select((type, order) => (type, order, entry: advisor.Find(region, type)))
            .OrderBy(t => t.entry is null ? 1 : 0)
            .ThenBy(t => t.entry?.InterruptionBucket ?? int.MaxValue)
            .ThenByDescending(t => t.entry?.SavingsPercent ?? 0)
            .ThenBy(t => t.order)
            .Select(t => t.entry is null
                ? new RankedInstanceType(t.type, -1, "not rated", 0)
                : new RankedInstanceType(t.type, t.entry.InterruptionBucket, advisor.Label(t.entry.InterruptionBucket), t.entry.SavingsPercent))
            .ToList();
    }

    /// <summary>
    /// The run's plan with the fallbacks going back to Spot (<see cref="SpotRevertPlanner"/>) added after the advisor's
    /// swaps, the whole capped at max_num_of_terminated_one_time. <paramref name="advisorSwaps"/> false: only the swap
    /// back (is_enable_preaction off, or the stack's advisor swaps off), with the same checks that the group is settled.
    /// </summary>
    public static PreactionPlan PlanWithReverts(
        AutoScalingGroupInfo group,
        GroupConfig config,
        IReadOnlyDictionary<string, InstanceFacts> instances,
        SpotAdvisorData advisor,
        string region,
        int bucketThreshold,
        bool advisorSwaps,
        DateTimeOffset now)
    {
        PreactionPlan plan = Plan(group, config, instances, advisor, region, advisorSwaps ? bucketThreshold : int.MaxValue);
        if (!advisorSwaps)
        {
            plan = plan with { Notes = [.. plan.Notes, "advisor swaps off for this group: only fallbacks go back to Spot"] };
        }

        if (!config.IsToRevertToSpot || config.MaxNumOfTerminatedOneTime <= 0 || !IsSettled(group, out _))
        {
            return plan;
        }

        var notes = new List<string>(plan.Notes);
        IReadOnlyList<PlannedSwap> reverts = SpotRevertPlanner.Plan(group, config, instances, plan.Ranking, now, notes)
            .Where(r => plan.Swaps.All(s => s.InstanceId != r.InstanceId))
            .ToList();
        List<PlannedSwap> swaps = [.. plan.Swaps, .. reverts];
        int batchSize = config.MaxNumOfTerminatedOneTime;
        if (swaps.Count > batchSize && reverts.Count > 0)
        {
            notes.Add($"{swaps.Count} swaps qualify with the fallbacks going back to Spot; max_num_of_terminated_one_time={batchSize} this run");
            swaps = swaps.Take(batchSize).ToList();
        }

        return plan with { Swaps = swaps, Notes = notes };
    }

    /// <summary>
    /// The swaps of one run. <paramref name="instances"/> are the EC2 facts of the group's members (Spot or not);
    /// <paramref name="bucketThreshold"/>: types in a bucket strictly above it are replaced.
    /// </summary>
    public static PreactionPlan Plan(
        AutoScalingGroupInfo group,
        GroupConfig config,
        IReadOnlyDictionary<string, InstanceFacts> instances,
        SpotAdvisorData advisor,
        string region,
        int bucketThreshold)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(instances);
        ArgumentNullException.ThrowIfNull(advisor);
        var notes = new List<string>();
        IReadOnlyList<RankedInstanceType> ranking = Rank(AllowedTypes(group, config), advisor, region);
        var plan = new PreactionPlan { GroupName = group.Name, Ranking = ranking, Notes = notes };

        int batchSize = config.MaxNumOfTerminatedOneTime;
        if (batchSize <= 0)
        {
            notes.Add("max_num_of_terminated_one_time is 0: no swaps");
            return plan;
        }

        if (!IsSettled(group, out string? unsettled))
        {
            notes.Add(unsettled);
            return plan;
        }

        List<AutoScalingInstanceInfo> inService = HealthyInService(group);

        RankedInstanceType? safest = ranking.FirstOrDefault(r => r.Bucket >= 0);
        var swaps = new List<PlannedSwap>();
        foreach (AutoScalingInstanceInfo member in inService.OrderBy(i => i.InstanceId, StringComparer.Ordinal))
        {
            if (!instances.TryGetValue(member.InstanceId, out InstanceFacts? facts) || facts.State != "running")
            {
                continue;
            }

            if (facts.Lifecycle != "spot")
            {
                continue;
            }

            if (facts.Tags.ContainsKey(PreactionTags.Batch))
            {
                // A successor of an earlier batch, or an instance an interrupted batch left marked: never swapped again here.
                continue;
            }

            SpotAdvisorEntry? current = advisor.Find(region, facts.InstanceType);
            if (current is null)
            {
                notes.Add($"{member.InstanceId}: {facts.InstanceType} is not rated by the advisor in {region}: left alone");
                continue;
            }

            if (current.InterruptionBucket <= bucketThreshold)
            {
                continue;
            }

            if (safest is null || safest.Bucket >= current.InterruptionBucket)
            {
                notes.Add($"{member.InstanceId}: {facts.InstanceType} is {advisor.Label(current.InterruptionBucket)} but no allowed type is safer");
                continue;
            }

            swaps.Add(new PlannedSwap(member.InstanceId, facts.AvailabilityZone, facts.SubnetId, facts.InstanceType, current.InterruptionBucket, safest.InstanceType, safest.Bucket));
        }

        // Riskiest first, so a small batch takes the instances most likely to be interrupted.
        swaps = swaps.OrderByDescending(s => s.OldBucket).ThenBy(s => s.InstanceId, StringComparer.Ordinal).ToList();
        if (swaps.Count > batchSize)
        {
            notes.Add($"{swaps.Count} instances qualify; max_num_of_terminated_one_time={batchSize} this run");
            swaps = swaps.Take(batchSize).ToList();
        }

        return plan with { Swaps = swaps };
    }

    /// <summary>
    /// A group below MinSize or still launching/terminating is not swapped: capacity first, and the group's own activity
    /// must not race a successor's attach.
    /// </summary>
    private static bool IsSettled(AutoScalingGroupInfo group, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? why)
    {
        int inService = HealthyInService(group).Count;
        if (inService < group.MinSize || group.Instances.Any(i => i.LifecycleState is not ("InService" or "Standby")))
        {
            why = $"group is not settled ({inService} healthy InService of MinSize {group.MinSize}, {group.Instances.Count} members): no swaps this run";
            return false;
        }

        why = null;
        return true;
    }

    private static List<AutoScalingInstanceInfo> HealthyInService(AutoScalingGroupInfo group) => group.Instances
        .Where(i => i.LifecycleState == "InService" && !string.Equals(i.HealthStatus, "Unhealthy", StringComparison.OrdinalIgnoreCase))
        .ToList();
}
