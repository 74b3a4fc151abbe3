using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Steps.Capacity;

/// <summary>The decisions of the launch strategy, free of I/O: which (type, market) to try in which order, with which tags.</summary>
public static class ReplacementPlanner
{
    /// <summary>
    /// Spot first, over the group's override types then the config's alt types, leaving out the interrupted
    /// (type, AZ, Spot) pool whenever another type is allowed (it is being reclaimed); then, with
    /// is_enable_od_fallback, On-Demand starting with the interrupted type. is_prefer_multiple_types: false moves
    /// On-Demand before the alt types' Spot pools (the group's own types' Spot pools stay first); is_only_od_rep: true
    /// leaves only the On-Demand candidates.
    /// </summary>
    public static IReadOnlyList<LaunchCandidate> Candidates(InstanceFacts doomed, AutoScalingGroupInfo group, GroupConfig config)
    {
        ArgumentNullException.ThrowIfNull(doomed);
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(config);
        IReadOnlyList<string> primary = group.OverrideInstanceTypes.Count > 0 ? group.OverrideInstanceTypes : [doomed.InstanceType];
        return Candidates(doomed.InstanceType, primary, config, avoidOnSpot: true);
    }

    /// <summary>
    /// A backfill's candidates (no instance is being replaced): the group's override types, else the types its members
    /// run, then the alt types, all on Spot in that order; then On-Demand with is_enable_od_fallback, starting with
    /// <paramref name="failedType"/> when the failed launch named it. The failed pool is avoided by zone (a ban for the
    /// launch), not by type: the type may have capacity elsewhere. Empty when the group names no type at all.
    /// </summary>
    public static IReadOnlyList<LaunchCandidate> BackfillCandidates(AutoScalingGroupInfo group, GroupConfig config, string? failedType)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(config);
        IReadOnlyList<string> primary = group.OverrideInstanceTypes.Count > 0
            ? group.OverrideInstanceTypes
            : group.Instances.Select(i => i.InstanceType).Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => t!).Distinct(StringComparer.Ordinal).ToList();
        string? pivot = failedType ?? primary.FirstOrDefault() ?? config.AlternativeInstanceTypes.FirstOrDefault();
        return pivot is null ? [] : Candidates(pivot, primary, config, avoidOnSpot: false);
    }

    private static IReadOnlyList<LaunchCandidate> Candidates(string pivotType, IReadOnlyList<string> primary, GroupConfig config, bool avoidOnSpot)
    {
        List<string> allowed = primary.Concat(config.AlternativeInstanceTypes)
            .Where(t => !string.IsNullOrWhiteSpace(t))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        List<string> spotTypes = avoidOnSpot && allowed.Any(t => t != pivotType)
            ? allowed.Where(t => t != pivotType).ToList()
            : allowed;

        List<LaunchCandidate> onDemand = new[] { pivotType }.Concat(allowed)
            .Distinct(StringComparer.Ordinal)
            .Select(t => new LaunchCandidate(t, PurchaseMarket.OnDemand))
            .ToList();
        if (config.IsOnlyOdRep)
        {
            return onDemand;
        }

        var spot = spotTypes.Select(t => new LaunchCandidate(t, PurchaseMarket.Spot)).ToList();
        if (!config.IsEnableOdFallback)
        {
            return spot;
        }

        if (config.IsPreferMultipleTypes)
        {
            return [.. spot, .. onDemand];
        }

        // The group's own types stay Spot-first; an alternative type is only tried on Spot once On-Demand had no capacity.
        var own = new HashSet<string>(primary, StringComparer.Ordinal);
        return [.. spot.Where(c => own.Contains(c.InstanceType)), .. onDemand, .. spot.Where(c => !own.Contains(c.InstanceType))];
    }

    /// <summary>spotmax:group, spotmax:replaces and the group's propagate-at-launch tags (aws: keys are reserved by AWS).</summary>
    public static IReadOnlyDictionary<string, string> Tags(AutoScalingGroupInfo group, string interruptedInstanceId) =>
        LaunchTags(group, SuccessorTags.Replaces, interruptedInstanceId);

    /// <summary>
    /// The tags every instance MaxGroup launches into a group carries: the group's propagate-at-launch tags (aws: keys
    /// are reserved by AWS), spotmax:group, and the mark saying why it was launched (<paramref name="markKey"/>).
    /// </summary>
    public static IReadOnlyDictionary<string, string> LaunchTags(AutoScalingGroupInfo group, string markKey, string markValue)
    {
        ArgumentNullException.ThrowIfNull(group);
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (AsgTag tag in group.Tags.Where(t => t.PropagateAtLaunch && !t.Key.StartsWith("aws:", StringComparison.Ordinal)))
        {
            tags[tag.Key] = tag.Value;
        }

        tags[SuccessorTags.Group] = group.Name;
        tags[markKey] = markValue;
        return tags;
    }

    /// <summary>The group's launch template and the version it uses; the doomed instance's own as a fallback.</summary>
    public static LaunchTemplateRef? Template(AutoScalingGroupInfo group, InstanceFacts doomed)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(doomed);
        if (group.LaunchTemplate is { } lt && (lt.LaunchTemplateId is not null || lt.LaunchTemplateName is not null))
        {
            return new LaunchTemplateRef(lt.LaunchTemplateId, lt.LaunchTemplateName, lt.Version ?? "$Default");
        }

        return doomed.LaunchTemplate;
    }

    /// <summary>How long to wait before detaching: the configured delay, cut so the detach still lands before reclaim.</summary>
    public static TimeSpan BoundedDelay(TimeSpan configured, DateTimeOffset now, DateTimeOffset reclaimAt, TimeSpan safetyMargin)
    {
        TimeSpan available = reclaimAt - safetyMargin - now;
        if (available <= TimeSpan.Zero || configured <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        return configured < available ? configured : available;
    }
}
