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
        List<string> allowed = primary.Concat(config.AlternativeInstanceTypes)
            .Where(t => !string.IsNullOrWhiteSpace(t))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        List<string> spotTypes = allowed.Any(t => t != doomed.InstanceType)
            ? allowed.Where(t => t != doomed.InstanceType).ToList()
            : allowed;

        List<LaunchCandidate> onDemand = new[] { doomed.InstanceType }.Concat(allowed)
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
    public static IReadOnlyDictionary<string, string> Tags(AutoScalingGroupInfo group, string interruptedInstanceId)
    {
        ArgumentNullException.ThrowIfNull(group);
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (AsgTag tag in group.Tags.Where(t => t.PropagateAtLaunch && !t.Key.StartsWith("aws:", StringComparison.Ordinal)))
        {
            tags[tag.Key] = tag.Value;
        }

        tags[SuccessorTags.Group] = group.Name;
        tags[SuccessorTags.Replaces] = interruptedInstanceId;
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
