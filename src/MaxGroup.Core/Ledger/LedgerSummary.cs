using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ledger;

/// <summary>The ledger record as operators are told it (<see cref="HandoverSummary"/>): never a claim, a progress note or a step's details.</summary>
public static class LedgerSummary
{
    /// <summary>A reason longer than this is cut: an event stays far below EventBridge's 256 KB per entry whatever a step wrote.</summary>
    public const int MaxReasonLength = 512;

    public static HandoverSummary Summarize(InterruptionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new HandoverSummary
        {
            InstanceId = record.InstanceId,
            GroupName = record.GroupName,
            Trigger = TriggerOf(record),
            Status = LedgerText.Status(record.Status),
            WarningTime = record.WarningTime,
            ReclaimAt = record.ReclaimAt,
            InstanceAction = record.InstanceAction,
            Strategy = record.Strategy,
            DryRun = record.DryRun,
            SuccessorInstanceId = record.SuccessorInstanceId,
            VolumeId = record.VolumeId,
            FirstEventId = record.EventIds.Count > 0 ? record.FirstEventId : null,
            Steps = record.Steps.Select(s => new StepSummary(s.Name, LedgerText.Status(s.Status), Cut(s.Reason), s.StartedAt, s.FinishedAt)).ToList(),
        };
    }

    /// <summary>
    /// The trigger that opened <paramref name="record"/>, as the begin wrote it in the first timeline line
    /// ("interruption", wire name): one of <see cref="HandoverTriggers.WireName"/>'s values, or "other".
    /// </summary>
    public static string TriggerOf(InterruptionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        string? written = record.Timeline.FirstOrDefault(t => t.Step == "interruption")?.Status;
        return written is not null && Enum.GetValues<HandoverTrigger>().Any(t => t.WireName() == written) ? written : "other";
    }

    /// <summary>
    /// The detail-type of a hand-over whose last step ended: Failed when a step failed or was skipped (not done: its
    /// deadline passed, the function's time ran out), Completed when every step was done, a no-op or waits for its trigger.
    /// </summary>
    public static string EndEventType(InterruptionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Steps.Any(s => s.Status is StepStatus.Failed or StepStatus.Skipped) ? HandoverEventTypes.Failed : HandoverEventTypes.Completed;
    }

    private static string? Cut(string? reason) => reason is { Length: > MaxReasonLength } ? string.Concat(reason.AsSpan(0, MaxReasonLength - 3), "...") : reason;
}
