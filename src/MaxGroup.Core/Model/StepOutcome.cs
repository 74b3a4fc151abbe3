namespace MaxGroup.Core.Model;

/// <summary>How a step ended. Every step ends in exactly one of these, with a reason where it did not simply succeed.</summary>
public enum StepStatus
{
    /// <summary>Recorded by the dispatcher before the step starts.</summary>
    Pending,
    Running,
    /// <summary>The step finished its work.</summary>
    Done,
    /// <summary>Nothing to do (no node, no volume, dry run...): a success with a reason.</summary>
    NoOp,
    /// <summary>Deliberately not done, for example because it cannot finish before reclaim.</summary>
    Skipped,
    /// <summary>The step waits for a later trigger (an event or the sweep) to finish.</summary>
    Waiting,
    Failed,
}

/// <summary>The result of one remediation step, recorded in the ledger's timeline.</summary>
public sealed record StepOutcome
{
    public required StepStatus Status { get; init; }
    public string? Reason { get; init; }
    /// <summary>Facts worth keeping (successor id, evicted pods, deregistered services...). Never secrets.</summary>
    public IReadOnlyDictionary<string, string> Details { get; init; } = new Dictionary<string, string>();

    public static StepOutcome Done(string? reason = null, IReadOnlyDictionary<string, string>? details = null) =>
        new() { Status = StepStatus.Done, Reason = reason, Details = details ?? new Dictionary<string, string>() };

    public static StepOutcome NoOp(string reason) => new() { Status = StepStatus.NoOp, Reason = reason };

    public static StepOutcome Skipped(string reason) => new() { Status = StepStatus.Skipped, Reason = reason };

    public static StepOutcome Waiting(string reason, IReadOnlyDictionary<string, string>? details = null) =>
        new() { Status = StepStatus.Waiting, Reason = reason, Details = details ?? new Dictionary<string, string>() };

    public static StepOutcome Failed(string reason, IReadOnlyDictionary<string, string>? details = null) =>
        new() { Status = StepStatus.Failed, Reason = reason, Details = details ?? new Dictionary<string, string>() };

    public bool IsSuccess => Status is StepStatus.Done or StepStatus.NoOp or StepStatus.Waiting;
}
