namespace MaxGroup.Core.Steps.Volume;

/// <summary>Why an instance cannot take a moved volume: decided on the kind, never on the message's text.</summary>
public enum SuccessorRejectionKind
{
    /// <summary>The candidate is the interrupted instance itself.</summary>
    IsSource,

    /// <summary>EC2 does not know the candidate (any more).</summary>
    NotFound,

    /// <summary>The candidate is not running (pending, stopping, terminated...).</summary>
    NotRunning,

    /// <summary>The candidate is not a member of the volume's group.</summary>
    NotInGroup,

    /// <summary>A member of the group, in a lifecycle state that may not take the volume (e.g. Terminating, Standby).</summary>
    LifecycleState,

    /// <summary>The candidate is in another Availability Zone and persistence_cross_az is wait.</summary>
    OtherZone,

    /// <summary>The device the volume attaches as is taken on the candidate by a volume MaxGroup did not put there.</summary>
    DeviceInUse,

    /// <summary>The candidate holds, or is claimed by, another migrated volume (one per successor).</summary>
    HoldsOtherVolume,

    /// <summary>
    /// A fallback candidate launched before the volume's source left (a member that ran all along, not its replacement),
    /// or one whose launch cannot be placed after it: no launch time, or a move without its interruption time.
    /// </summary>
    LaunchedBeforeHandover,

    /// <summary>EC2 refused the attach: the volume is attached elsewhere already (VolumeInUse).</summary>
    VolumeInUse,

    /// <summary>EC2 refused the attach: the volume or the instance is in a state that does not allow it (IncorrectState).</summary>
    IncorrectState,

    /// <summary>EC2 refused the attach for a reason MaxGroup does not classify.</summary>
    AttachRefused,
}

/// <summary>One candidate's rejection: its <see cref="Kind"/> decides, its <see cref="Message"/> is for people (reasons, logs, the last-error tag).</summary>
public sealed record SuccessorRejection(SuccessorRejectionKind Kind, string Message)
{
    /// <summary>
    /// Waiting does not help: the device on the successor MaxGroup chose is taken, and only a person (or a fixed launch
    /// template) frees it. The move fails loudly instead of waiting; every other rejection waits for the next trigger.
    /// </summary>
    public bool NeedsOperator => Kind == SuccessorRejectionKind.DeviceInUse;

    public override string ToString() => Message;
}
