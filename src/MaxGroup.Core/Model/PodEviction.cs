namespace MaxGroup.Core.Model;

/// <summary>The answer to one eviction request.</summary>
/// <param name="Kind">Accepted, gone, blocked by a disruption budget, worth retrying, or refused for good.</param>
/// <param name="Error">What the API server said when the eviction did not go through.</param>
public sealed record PodEviction(PodEvictionKind Kind, string? Error = null)
{
    public static PodEviction Accepted { get; } = new(PodEvictionKind.Accepted);

    /// <summary>The pod no longer exists (404): it counts as evicted.</summary>
    public static PodEviction Gone { get; } = new(PodEvictionKind.Gone);
}
