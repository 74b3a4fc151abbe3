namespace MaxGroup.Core.Dispatch;

/// <summary>What the dispatcher did with one event.</summary>
public enum DispatchStatus
{
    /// <summary>Remediation steps were started.</summary>
    Started,
    /// <summary>Over an in-flight cap: recorded as queued, started later.</summary>
    Queued,
    /// <summary>The interruption was already in the ledger: nothing new started.</summary>
    Duplicate,
    /// <summary>Nothing to do, with a reason (no group, unmanaged group, instance gone...).</summary>
    NoOp,
    /// <summary>Handed to another component (volume triggers).</summary>
    Routed,
}
