namespace MaxGroup.Core.Steps.Lifecycle;

/// <summary>How the lifecycle step watches the other steps and paces its heartbeats.</summary>
public sealed record LifecycleHookOptions
{
    /// <summary>How often the ledger is read to see whether the drain and Consul steps have ended.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A heartbeat is sent once this share of the heartbeat timeout has passed since the last one (or the action's start),
    /// so one lost or slow heartbeat still leaves time for the next before Auto Scaling gives up.
    /// </summary>
    public double HeartbeatAt { get; init; } = 0.5;
}
