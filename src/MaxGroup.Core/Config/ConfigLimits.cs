namespace MaxGroup.Core.Config;

/// <summary>Limits that keep a huge or hostile config object from hurting the functions, and the reclaim window rules.</summary>
public static class ConfigLimits
{
    /// <summary>Largest config object read (a legacy file with hundreds of groups is far below this).</summary>
    public const int MaxObjectBytes = 256 * 1024;

    /// <summary>Deepest JSON nesting accepted: the legacy file needs 3 (root, groups, group).</summary>
    public const int MaxDepth = 8;

    /// <summary>Longest string value accepted; a base64 CA bundle is a few KiB.</summary>
    public const int MaxStringLength = 16 * 1024;

    /// <summary>The Spot notice: AWS reclaims the instance 120 s after the warning.</summary>
    public const int ReclaimWindowSeconds = 120;

    /// <summary>
    /// Time the action after a delay needs (a detach, a deregistration, an eviction) and the margin for windows that are
    /// shorter in practice; a delay that leaves less than this is a warning.
    /// </summary>
    public const int ActionReserveSeconds = 30;

    /// <summary>Largest delay that still leaves <see cref="ActionReserveSeconds"/> before reclaim.</summary>
    public const int LatestSafeDelaySeconds = ReclaimWindowSeconds - ActionReserveSeconds;
}
