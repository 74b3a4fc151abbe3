namespace MaxGroup.Core.Model;

/// <summary>
/// What the dispatcher learnt for the replace step's first run before the begin, so the step need not ask again: the
/// group as described a moment ago and the outcome of the search for a successor already launched for the instance
/// (tagged <c>spotmax:replaces</c>, e.g. pre-warmed on a rebalance recommendation).
/// </summary>
public sealed record ReplacePrefetch
{
    /// <summary>The group as the dispatcher described it; null = not described (the step describes it).</summary>
    public AutoScalingGroupInfo? Group { get; init; }

    /// <summary>The dispatcher searched for a successor; then <see cref="Successor"/> is what it found.</summary>
    public bool SuccessorSearched { get; init; }

    /// <summary>With <see cref="SuccessorSearched"/>: the successor found, null = none.</summary>
    public string? Successor { get; init; }

    /// <summary>The Spot pools banned when the dispatcher looked (the warned one included); null = not read (the step reads them).</summary>
    public IReadOnlyList<SpotPoolBan>? BannedPools { get; init; }

    /// <summary>The zone of each of the group's subnets; null = not looked up (the step looks them up).</summary>
    public IReadOnlyDictionary<string, string>? SubnetZones { get; init; }
}
