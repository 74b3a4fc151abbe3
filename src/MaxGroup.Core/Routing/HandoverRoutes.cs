using MaxGroup.Core.Model;

namespace MaxGroup.Core.Routing;

/// <summary>
/// The routing rules: which parsed events open a hand-over, with which trigger and which deadline source. A new way an
/// instance leaves its group is one case here (after its parser case in <c>Events/EventParser</c>); everything after
/// the opening (ledger begin, step start, runner, deadline) is the same for every trigger.
/// </summary>
public static class HandoverRoutes
{
    /// <summary>The hand-over <paramref name="maxGroupEvent"/> opens, or null when it opens none (it is routed elsewhere).</summary>
    public static HandoverOpening? Opening(MaxGroupEvent maxGroupEvent)
    {
        ArgumentNullException.ThrowIfNull(maxGroupEvent);
        return maxGroupEvent switch
        {
            MaxGroupEvent.SpotInterruption warning => new HandoverOpening(
                HandoverTrigger.SpotWarning,
                warning.Id,
                warning.DetailType,
                warning.Event.Detail.InstanceId,
                ActionText(warning.Event.Detail.InstanceAction),
                ReclaimDeadline.FromWarning(warning.Time)),
            _ => null,
        };
    }

    private static string ActionText(InstanceAction action) => action switch
    {
        InstanceAction.Stop => "stop",
        InstanceAction.Hibernate => "hibernate",
        _ => "terminate",
    };
}
