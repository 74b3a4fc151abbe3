namespace MaxGroup.Core.Model;

/// <summary>
/// Which run holds a Running step: the claim it started the step with, or the run id that consumed the begin's token
/// (Lambda), or neither (the begin's claim trusted in-process). A takeover writes a new claim, so the old run's hold no
/// longer matches: its lease renewals and its outcome write are refused, and it stops.
/// </summary>
public sealed record StepHold(string? Claim, string? ConsumedBy)
{
    /// <summary>The begin's claim honoured in-process: no token, no claim of its own.</summary>
    public static StepHold Begin { get; } = new(null, null);

    public static StepHold ForClaim(string claim) => new(claim, null);

    public static StepHold ForConsumer(string runId) => new(null, runId);
}
