namespace MaxGroup.Core.Model;

/// <summary>What <c>ILedger.TryStartStepAsync</c> decided.</summary>
public enum StepStart
{
    /// <summary>The step is now Running for this caller.</summary>
    Started,
    /// <summary>Done or NoOp before: never redone.</summary>
    AlreadyComplete,
    /// <summary>Another invocation runs it and its lease has not expired.</summary>
    AlreadyRunning,
    /// <summary>The ledger has no interruption for this instance.</summary>
    NoInterruption,
}
