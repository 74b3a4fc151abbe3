using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Routing;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Dispatch;

/// <summary>
/// The triggers that open hand-overs of their own beside the warnings: an AWS Health scheduled change (one hand-over per
/// affected instance) and a state change no warning came before (a manual stop or terminate).
/// </summary>
public sealed partial class Dispatcher
{
    /// <summary>
    /// An AWS Health event: each affected instance is opened as its own hand-over, one after the other, through the same
    /// intake as a warning (ledger begin, in-flight caps, dry run, steps). The ledger, keyed by instance id, makes each
    /// instance's hand-over happen once however often the event (or an update of it) is delivered. An instance whose
    /// opening throws does not stop the others; the first error is raised after them, so EventBridge redelivers the
    /// event and only what was not opened is opened then.
    /// </summary>
    private async Task<DispatchResult> OnHealthEventAsync(MaxGroupEvent.HealthEvent health, CancellationToken cancellationToken)
    {
        HealthEventDetail detail = health.Event.Detail;
        IReadOnlyList<HandoverOpening> openings = HandoverRoutes.HealthOpenings(health);
        if (openings.Count == 0)
        {
            string why = HandoverRoutes.HealthAction(detail) is null
                ? $"{detail.Service} {detail.EventTypeCategory} {detail.EventTypeCode} ({detail.StatusCode ?? "no status"}) is not an EC2 scheduled change MaxGroup hands over"
                : "the event names no EC2 instance";
            return DispatchResult.NoOp(health, why);
        }

        metrics.Record("ScheduledChanges", openings.Count, MetricUnit.Count);
        var results = new List<DispatchResult>();
        Exception? failure = null;
        foreach (HandoverOpening opening in openings)
        {
            try
            {
                results.Add(await Intake.OpenAsync(opening, cancellationToken));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Could not open the hand-over of {InstanceId} for Health event {EventArn}", opening.InstanceId, detail.EventArn);
                failure ??= ex;
            }
        }

        if (failure is not null)
        {
            throw new InvalidOperationException($"{openings.Count - results.Count} of {openings.Count} hand-overs of Health event {detail.EventArn} could not be opened", failure);
        }

        return Combine(health, results);
    }

    /// <summary>One answer for a Health event: the most that happened to any instance, and what happened to each.</summary>
    private static DispatchResult Combine(MaxGroupEvent.HealthEvent health, IReadOnlyList<DispatchResult> results)
    {
        if (results.Count == 1)
        {
            return results[0];
        }

        DispatchStatus status = results.Select(r => r.Status).OrderBy(Rank).First();
        return new DispatchResult
        {
            Status = status,
            Reason = string.Join("; ", results.Select(r => $"{r.InstanceId}: {r.Status.ToString().ToLowerInvariant()}: {r.Reason}")),
            EventId = health.Id,
            DetailType = health.DetailType,
            GroupName = results.Select(r => r.GroupName).Distinct(StringComparer.Ordinal).Count() == 1 ? results[0].GroupName : null,
            ReclaimAt = results.Select(r => r.ReclaimAt).FirstOrDefault(r => r is not null),
            DryRun = results.Any(r => r.DryRun),
            Steps = [.. results.SelectMany(r => r.Steps).Distinct(StringComparer.Ordinal)],
            StartErrors = results.SelectMany(r => r.StartErrors.Select(e => (Key: $"{r.InstanceId}/{e.Key}", e.Value))).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal),
        };
    }

    private static int Rank(DispatchStatus status) => status switch
    {
        DispatchStatus.Started => 0,
        DispatchStatus.Resumed => 1,
        DispatchStatus.Queued => 2,
        DispatchStatus.Duplicate => 3,
        DispatchStatus.Routed => 4,
        _ => 5,
    };

    /// <summary>
    /// A stop or terminate the ledger has no hand-over for: opened through the intake (drain and Consul only, two minutes).
    /// Best effort: a failure is logged, never raised, so the state change's volume triggers still run.
    /// </summary>
    private async Task<DispatchResult?> OpenUnwarnedAsync(MaxGroupEvent.InstanceStateChange stateChange, CancellationToken cancellationToken)
    {
        if (HandoverRoutes.UnwarnedOpening(stateChange) is not { } opening)
        {
            return null;
        }

        try
        {
            return await Intake.OpenAsync(opening, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not open a hand-over for {InstanceId}, {State} with no warning", opening.InstanceId, stateChange.Event.Detail.State);
            return null;
        }
    }

    /// <summary>The volume triggers' answer, led by the unwarned hand-over's when one was opened.</summary>
    private static DispatchResult WithUnwarned(DispatchResult volume, DispatchResult? unwarned) =>
        unwarned is null || unwarned.Status == DispatchStatus.NoOp
            ? volume
            : unwarned with { Reason = $"{unwarned.Reason}. Volume: {volume.Reason}" };
}
