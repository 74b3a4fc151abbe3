namespace MaxGroup.Core.Steps.Replace;

/// <summary>Timing of the replace step; the defaults suit the two-minute notice.</summary>
public sealed record ReplaceOptions
{
    /// <summary>Time kept free before reclaim so the detach call lands while the instance still exists.</summary>
    public TimeSpan SafetyMargin { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>How long the detach strategy watches the group for the successor it launches.</summary>
    public TimeSpan SuccessorWaitLimit { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>
    /// Time kept before reclaim for the detach fall-through (launch, running, attach) when the group's replacement does
    /// not appear: the watch for it ends this long before the reclaim time at the latest.
    /// </summary>
    public TimeSpan FallThroughReserve { get; init; } = TimeSpan.FromSeconds(45);
    /// <summary>
    /// How long a scheduled retirement's replace step waits for the drain, Consul and traffic steps to end before it
    /// terminates the retiring instance; past it the instance is detached as on a warning and left to AWS's retirement.
    /// </summary>
    public TimeSpan RetireWaitLimit { get; init; } = TimeSpan.FromSeconds(90);
    public TimeSpan FirstBackoff { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);
}
