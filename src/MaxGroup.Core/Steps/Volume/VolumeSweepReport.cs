using MaxGroup.Core.Model;

namespace MaxGroup.Core.Steps.Volume;

/// <summary>What the scheduled sweep found and did: every open move, and the ones still without a successor.</summary>
public sealed record VolumeSweepReport
{
    public IReadOnlyList<VolumeMoveResult> Results { get; init; } = [];
    /// <summary>Moves still open after the sweep, with how long ago their interruption was.</summary>
    public IReadOnlyList<PendingVolume> StillPending { get; init; } = [];

    public int Completed => Results.Count(r => r.Outcome.Status == StepStatus.Done);
    public int Failed => Results.Count(r => r.Outcome.Status == StepStatus.Failed);
}

/// <summary>A volume whose move is not finished: its group, AZ, status and why it waits.</summary>
public sealed record PendingVolume(string VolumeId, string GroupName, string AvailabilityZone, string Status, TimeSpan? Age, string? Reason);
