namespace MaxGroup.Core.Model;

/// <summary>How an eviction request ended; the drain retries <see cref="Blocked"/> and <see cref="Retry"/> until its deadline.</summary>
public enum PodEvictionKind
{
    Accepted,
    Gone,
    /// <summary>429: a PodDisruptionBudget allows no disruption now; it may once a pod elsewhere becomes ready.</summary>
    Blocked,
    /// <summary>A 5xx, a dropped connection or a timed-out request.</summary>
    Retry,
    /// <summary>Any other error: the pod is not asked again.</summary>
    Refused,
}
