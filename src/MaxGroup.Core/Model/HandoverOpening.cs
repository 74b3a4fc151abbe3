namespace MaxGroup.Core.Model;

/// <summary>
/// An event that opens a hand-over, reduced to what the dispatcher's intake needs: which instance leaves, why
/// (<see cref="Trigger"/>), what AWS will do to it, and by when (<see cref="Deadline"/>, from the trigger's own deadline
/// source: a Spot warning's time + 120 s today). Made by the routing rules (<c>Routing/HandoverRoutes</c>); the intake,
/// the ledger and the runner read only these fields, never the event.
/// </summary>
public sealed record HandoverOpening(
    HandoverTrigger Trigger,
    string EventId,
    string DetailType,
    string InstanceId,
    string InstanceAction,
    ReclaimDeadline Deadline)
{
    /// <summary>The Auto Scaling lifecycle action the hand-over must keep alive and complete (<see cref="HandoverTrigger.LifecycleHook"/> only).</summary>
    public LifecycleHookAction? LifecycleHook { get; init; }

    /// <summary>
    /// The instance is already leaving (stopping, shutting down or gone: a state change no warning came before): the intake
    /// takes it all the same, and turns no DeleteOnTermination off (its volume path is the state change's own).
    /// </summary>
    public bool AlreadyLeaving { get; init; }
}
