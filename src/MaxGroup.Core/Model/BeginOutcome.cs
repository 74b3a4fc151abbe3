namespace MaxGroup.Core.Model;

/// <summary>What <c>ILedger.TryBeginInterruptionAsync</c> did.</summary>
public enum BeginOutcome
{
    /// <summary>A new interruption holding an in-flight slot: start its steps.</summary>
    Started,
    /// <summary>A new interruption over a cap: recorded as queued, started when a slot frees.</summary>
    Queued,
    /// <summary>The instance already has an interruption (a duplicate or concurrent delivery): start nothing.</summary>
    AlreadyHandled,
}

/// <summary>The result of beginning an interruption, with the record as the ledger now holds it.</summary>
public sealed record BeginResult(BeginOutcome Outcome, InterruptionRecord Record);
