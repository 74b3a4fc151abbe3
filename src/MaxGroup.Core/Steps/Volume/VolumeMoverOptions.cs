namespace MaxGroup.Core.Steps.Volume;

/// <summary>How long one trigger may wait in-process for EC2 (a snapshot, a new volume, a detach) before it hands over to the next trigger.</summary>
public sealed record VolumeMoverOptions
{
    /// <summary>Longest in-process wait per trigger. Zero: look once and return Waiting. Never minutes: events and the sweep resume the move.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);
}
