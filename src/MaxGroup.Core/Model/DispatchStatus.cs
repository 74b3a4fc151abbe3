namespace MaxGroup.Core.Model;

/// <summary>What the dispatcher did with one event.</summary>
public enum DispatchStatus
{
    /// <summary>Remediation steps were started.</summary>
    Started,
    /// <summary>Over an in-flight cap: recorded as queued, started later.</summary>
    Queued,
    /// <summary>The interruption was already in the ledger: nothing new started.</summary>
    Duplicate,
    /// <summary>
    /// The interruption was already in the ledger and still open: its outstanding steps were started again, so a run
    /// that died halfway is taken over (a live one keeps its step).
    /// </summary>
    Resumed,
    /// <summary>Nothing to do, with a reason (no group, unmanaged group, instance gone...).</summary>
    NoOp,
    /// <summary>Handed to another component (volume triggers).</summary>
    Routed,
}
