using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>
/// The durable record of interruptions (DynamoDB in AWS). Every mutating operation is conditional so that
/// replayed and concurrent deliveries converge: nothing is started twice, a completed step is never redone.
/// </summary>
public interface ILedger
{
    /// <summary>
    /// Creates the record if the instance has none. Within <paramref name="limits"/> it is Active and holds a slot;
    /// over a cap it is Queued. If a record exists, the event id is added to it and nothing else happens.
    /// </summary>
    Task<BeginResult> TryBeginInterruptionAsync(InterruptionRecord record, InFlightLimits limits, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="TryBeginInterruptionAsync(InterruptionRecord, InFlightLimits, DateTimeOffset, CancellationToken)"/>, and
    /// when the interruption starts (not queued, not already handled) <paramref name="claimStep"/> is marked Running at
    /// <paramref name="now"/> in the same atomic write: the caller then runs that step without a separate
    /// <see cref="TryStartStepAsync(string, string, DateTimeOffset, TimeSpan, string?, CancellationToken)"/> (one round trip fewer before the successor request).
    /// </summary>
    Task<BeginResult> TryBeginInterruptionAsync(InterruptionRecord record, InFlightLimits limits, DateTimeOffset now, string? claimStep, CancellationToken cancellationToken);

    /// <summary>
    /// As the overload without it, and the claimed step holds <paramref name="pendingClaim"/> as its unconsumed claim: the
    /// function invoked for it consumes the claim with <see cref="TryConsumeStepClaimAsync"/> instead of starting the step.
    /// </summary>
    Task<BeginResult> TryBeginInterruptionAsync(InterruptionRecord record, InFlightLimits limits, DateTimeOffset now, string? claimStep, string? pendingClaim, CancellationToken cancellationToken);

    /// <summary>
    /// One conditional write: when <paramref name="step"/>'s pending claim is <paramref name="claim"/>, clears it (recording
    /// <paramref name="runId"/> as its consumer) and changes the record's version. True = this run consumed it (now, or
    /// in an earlier attempt whose answer was lost) and is the step's first and only run from the begin; false = the
    /// claim is gone (a second delivery, or the step ended or was taken over).
    /// </summary>
    Task<bool> TryConsumeStepClaimAsync(string instanceId, string step, string claim, string runId, CancellationToken cancellationToken);

    Task<InterruptionRecord?> GetAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>Marks a step Running unless it is complete, or running under a lease younger than <paramref name="lease"/>.</summary>
    Task<StepStart> TryStartStepAsync(string instanceId, string step, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>
    /// As the overload without a claim; a step already Running under the same <paramref name="claim"/> is this caller's
    /// own earlier write (its answer lost, the request retried) and is reported <see cref="StepStart.Started"/>.
    /// </summary>
    Task<StepStart> TryStartStepAsync(string instanceId, string step, DateTimeOffset now, TimeSpan lease, string? claim, CancellationToken cancellationToken);

    /// <summary>
    /// Claims <paramref name="successorInstanceId"/> as the successor of <paramref name="instanceId"/>, atomically: true
    /// when this interruption holds the claim (now or from an earlier call), false when another interruption took it
    /// first. Two interruptions of one group that both wait for "the group's new instance" must not both take the same one.
    /// </summary>
    Task<bool> TryClaimSuccessorAsync(string successorInstanceId, string instanceId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records how a step ended and appends it to the timeline; returns the updated record.</summary>
    Task<InterruptionRecord?> RecordStepAsync(string instanceId, string step, StepOutcome outcome, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="RecordStepAsync(string, string, StepOutcome, DateTimeOffset, CancellationToken)"/>, only while
    /// <paramref name="hold"/> still holds the step (see <c>LedgerRules.EndHeldStep</c>). Recorded false: another
    /// run took the step over, and its outcome stands; the record is returned as it is.
    /// </summary>
    Task<(bool Recorded, InterruptionRecord? Record)> RecordHeldStepAsync(string instanceId, string step, StepOutcome outcome, DateTimeOffset now, StepHold hold, CancellationToken cancellationToken);

    /// <summary>
    /// Extends a Running step's lease to <paramref name="until"/> while <paramref name="hold"/> holds it. False: the step
    /// is no longer this run's (taken over after its lease lapsed, or ended): the run must stop acting.
    /// </summary>
    Task<bool> TryRenewStepLeaseAsync(string instanceId, string step, StepHold hold, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>The interruptions holding an in-flight slot (Active), for the sweep that resumes stalled hand-overs.</summary>
    Task<IReadOnlyList<InterruptionRecord>> ListActiveAsync(CancellationToken cancellationToken);

    Task SetSuccessorAsync(string instanceId, string successorInstanceId, DateTimeOffset now, CancellationToken cancellationToken);

    Task SetVolumeAsync(string instanceId, string volumeId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Keeps a progress note (e.g. replace.max_raised_from) so that a re-run after a partial failure converges.</summary>
    Task SetProgressAsync(string instanceId, string key, string value, CancellationToken cancellationToken);

    /// <summary>Active → Done and releases the slot. False when it was not active (another caller completed it).</summary>
    Task<bool> TryCompleteInterruptionAsync(string instanceId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Interruptions waiting for a slot, oldest first.</summary>
    Task<IReadOnlyList<QueuedInterruption>> ListQueuedAsync(CancellationToken cancellationToken);

    /// <summary>Queued → Active when the caps allow; false when no slot is free or it is no longer queued.</summary>
    Task<bool> TryPromoteQueuedAsync(string instanceId, InFlightLimits limits, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The most recent interruptions, newest warning first (for `maxgroup history`).</summary>
    Task<IReadOnlyList<InterruptionRecord>> ListRecentAsync(int limit, CancellationToken cancellationToken);
}
