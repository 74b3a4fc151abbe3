namespace MaxGroup.Core.Model;

/// <summary>Where an interruption stands in the ledger.</summary>
public enum InterruptionStatus
{
    /// <summary>Holds an in-flight slot; its steps were started.</summary>
    Active,
    /// <summary>Over an in-flight cap when it arrived: waits for a slot, never dropped.</summary>
    Queued,
    /// <summary>No step is pending or running any more; its slot is released.</summary>
    Done,
}
