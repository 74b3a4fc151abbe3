using MaxGroup.Core.Model;

namespace MaxGroup.Core.Steps.Volume;

/// <summary>What one trigger did to one volume move.</summary>
public sealed record VolumeMoveResult(string VolumeId, string? GroupName, StepOutcome Outcome)
{
    /// <summary>The interrupted instance the move comes from (the ledger's key), when the volume carries a move.</summary>
    public string? SourceInstanceId { get; init; }
}
