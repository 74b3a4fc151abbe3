using MaxGroup.Core.Ledger;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Runner;

/// <summary>
/// The outcome metrics operators alarm on, recorded where a step's outcome is written: every dimension takes a bounded set
/// of values (step names, the seven statuses, the trigger wire names), never an instance or event id, so the number of
/// CloudWatch metrics stays fixed whatever the traffic.
/// </summary>
public static class OutcomeMetrics
{
    public const string StepOutcomes = "StepOutcomes";
    public const string HandoverDuration = "HandoverDuration";
    public const string SuccessorLeadTime = "SuccessorLeadTime";
    public const string VolumeMoveTime = "VolumeMoveTime";

    /// <summary>The detail a step's outcome names its successor by (the replace step's).</summary>
    public const string SuccessorDetail = "successor_instance_id";

    /// <summary>
    /// Counts the outcome of <paramref name="step"/> (StepOutcomes{Step, Status}); for a done replace with a successor, how
    /// many seconds before the reclaim time the successor was in the group (negative when late); for a done volume move,
    /// the seconds from the warning to the volume's attach. Dry runs count their outcome but no times.
    /// </summary>
    public static void RecordStep(IMetrics metrics, string step, RemediationRequest request, StepOutcome outcome, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(outcome);
        metrics.Record(StepOutcomes, 1, MetricUnit.Count, new Dictionary<string, string>
        {
            ["Step"] = BoundedStep(step),
            ["Status"] = LedgerText.Status(outcome.Status),
        });
        if (outcome.Status != StepStatus.Done || request.DryRun)
        {
            return;
        }

        if (step == StepNames.Replace && outcome.Details.ContainsKey(SuccessorDetail))
        {
            metrics.Record(SuccessorLeadTime, (request.ReclaimAt - now).TotalSeconds, MetricUnit.Seconds);
        }
        else if (step == StepNames.Volume)
        {
            metrics.Record(VolumeMoveTime, (now - request.WarningTime).TotalSeconds, MetricUnit.Seconds);
        }
    }

    /// <summary>HandoverDuration{Trigger}: from the warning to the end of the last step, in seconds.</summary>
    public static void RecordHandover(IMetrics metrics, InterruptionRecord record, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(record);
        metrics.Record(HandoverDuration, Math.Max(0, (now - record.WarningTime).TotalSeconds), MetricUnit.Seconds,
            new Dictionary<string, string> { ["Trigger"] = LedgerSummary.TriggerOf(record) });
    }

    private static string BoundedStep(string step) => StepNames.Remediations.Contains(step) ? step : "other";
}
