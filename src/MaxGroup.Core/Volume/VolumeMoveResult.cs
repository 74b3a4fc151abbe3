using MaxGroup.Core.Remediation;

namespace MaxGroup.Core.Volume;

/// <summary>What one trigger did to one volume move.</summary>
public sealed record VolumeMoveResult(string VolumeId, string? GroupName, StepOutcome Outcome);
