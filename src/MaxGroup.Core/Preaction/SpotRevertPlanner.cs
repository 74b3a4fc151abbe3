using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Preaction;

/// <summary>
/// The swap back to Spot (is_to_revert_to_spot), free of I/O: successors MaxGroup launched as fallbacks (they carry
/// spotmax:replaces, or spotmax:backfill for a failed launch's backfill) that are On-Demand, or Spot of an alternative type, and have lived od_least_live_mins /
/// alt_least_live_mins, are swapped for Spot of the group's own types. Never below the On-Demand the group's
/// mixed instances distribution wants (base capacity, then the percentage above it).
/// </summary>
public static class SpotRevertPlanner
{
    /// <summary>
    /// The fallbacks to swap back, oldest first, every one a candidate (the caller caps the batch). <paramref name="ranking"/>
    /// is the advisor's ranking of the allowed types: the group's own types are taken from it safest first.
    /// </summary>
    public static IReadOnlyList<PlannedSwap> Plan(
        AutoScalingGroupInfo group,
        GroupConfig config,
        IReadOnlyDictionary<string, InstanceFacts> instances,
        IReadOnlyList<RankedInstanceType> ranking,
        DateTimeOffset now,
        List<string> notes)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(instances);
        ArgumentNullException.ThrowIfNull(ranking);
        ArgumentNullException.ThrowIfNull(notes);
        if (!config.IsToRevertToSpot)
        {
            return [];
        }

        List<InstanceFacts> members = group.Instances
            .Where(i => i.LifecycleState == "InService" && !string.Equals(i.HealthStatus, "Unhealthy", StringComparison.OrdinalIgnoreCase))
            .Select(i => instances.GetValueOrDefault(i.InstanceId))
            .OfType<InstanceFacts>()
            .Where(f => f.State == "running")
            .ToList();
        List<InstanceFacts> fallbacks = members.Where(IsMaxGroupSuccessor).ToList();
        if (fallbacks.Count == 0)
        {
            return [];
        }

        // The group's own types: its mixed instances overrides, else what its other members run.
        IReadOnlyList<string> own = group.OverrideInstanceTypes.Count > 0
            ? group.OverrideInstanceTypes
            : members.Where(m => !IsMaxGroupSuccessor(m)).Select(m => m.InstanceType).Distinct(StringComparer.Ordinal).ToList();
        if (own.Count == 0)
        {
            notes.Add("swap back to Spot: the group's own instance types are not known (no mixed instances overrides, every member a successor)");
            return [];
        }

        // Safest own type first (the advisor's order); unrated ones in the group's order.
        string target = ranking.Select(r => r.InstanceType).FirstOrDefault(t => own.Contains(t, StringComparer.Ordinal)) ?? own[0];
        int onDemandRoom = OnDemandRoom(group, config, members, notes);
        var swaps = new List<PlannedSwap>();
        foreach (InstanceFacts member in fallbacks.OrderBy(f => f.LaunchTime ?? now).ThenBy(f => f.InstanceId, StringComparer.Ordinal))
        {
            if (member.Tags.ContainsKey(PreactionTags.Batch))
            {
                continue;
            }

            bool onDemand = member.Lifecycle != "spot";
            bool alternative = !onDemand && !own.Contains(member.InstanceType, StringComparer.Ordinal);
            if (!onDemand && !alternative)
            {
                continue;
            }

            int leastLive = onDemand ? config.OdLeastLiveMins : config.AltLeastLiveMins;
            TimeSpan lived = member.LaunchTime is { } launched ? now - launched : TimeSpan.Zero;
            if (member.LaunchTime is null || lived < TimeSpan.FromMinutes(leastLive))
            {
                notes.Add($"{member.InstanceId}: {(onDemand ? "On-Demand" : "alternative-type")} fallback has lived {lived.TotalMinutes:0} of {leastLive} min ({(onDemand ? "od" : "alt")}_least_live_mins): not swapped back yet");
                continue;
            }

            if (onDemand)
            {
                if (onDemandRoom <= 0)
                {
                    notes.Add($"{member.InstanceId}: On-Demand fallback kept: the group's On-Demand base capacity and percentage want it");
                    continue;
                }

                onDemandRoom--;
            }

            swaps.Add(new PlannedSwap(
                member.InstanceId, member.AvailabilityZone, member.SubnetId, member.InstanceType, -1, target, -1,
                onDemand ? SwapKind.OnDemandFallback : SwapKind.AlternativeFallback));
        }

        return swaps;
    }

    /// <summary>Launched by MaxGroup for the group: a successor (spotmax:replaces) or a backfill of a failed launch (spotmax:backfill).</summary>
    private static bool IsMaxGroupSuccessor(InstanceFacts facts) =>
        facts.Tags.ContainsKey(SuccessorTags.Replaces) || facts.Tags.ContainsKey(SuccessorTags.Backfill);

    /// <summary>How many On-Demand members may go: those above what the distribution wants at the group's desired capacity.</summary>
    private static int OnDemandRoom(AutoScalingGroupInfo group, GroupConfig config, List<InstanceFacts> members, List<string> notes)
    {
        if (config.IsOnlyOdRep)
        {
            notes.Add("swap back to Spot: is_only_od_rep is true, On-Demand successors are what the group asked for");
            return 0;
        }

        int onDemand = members.Count(m => m.Lifecycle != "spot");
        if (group.OnDemand is { } distribution)
        {
            return onDemand - distribution.RequiredAt(group.DesiredCapacity);
        }

        // Without a mixed instances policy the group's market is its launch template's: Spot when its own members are.
        bool spotGroup = members.Any(m => !IsMaxGroupSuccessor(m) && m.Lifecycle == "spot");
        if (!spotGroup)
        {
            notes.Add("swap back to Spot: the group has no mixed instances policy and none of its own members runs Spot: On-Demand kept");
            return 0;
        }

        return onDemand;
    }
}
