using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ledger;

/// <summary>The lower-case words the ledger stores for statuses, so stored records read the same in every tool.</summary>
public static class LedgerText
{
    public static string Status(StepStatus status) => status switch
    {
        StepStatus.Pending => "pending",
        StepStatus.Running => "running",
        StepStatus.Done => "done",
        StepStatus.NoOp => "noop",
        StepStatus.Skipped => "skipped",
        StepStatus.Waiting => "waiting",
        _ => "failed",
    };

    public static StepStatus ParseStep(string? text) => text switch
    {
        "pending" => StepStatus.Pending,
        "running" => StepStatus.Running,
        "done" => StepStatus.Done,
        "noop" => StepStatus.NoOp,
        "skipped" => StepStatus.Skipped,
        "waiting" => StepStatus.Waiting,
        _ => StepStatus.Failed,
    };

    public static string Status(InterruptionStatus status) => status switch
    {
        InterruptionStatus.Active => "active",
        InterruptionStatus.Queued => "queued",
        _ => "done",
    };

    public static InterruptionStatus ParseInterruption(string? text) => text switch
    {
        "active" => InterruptionStatus.Active,
        "queued" => InterruptionStatus.Queued,
        _ => InterruptionStatus.Done,
    };
}
