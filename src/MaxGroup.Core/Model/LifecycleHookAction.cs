namespace MaxGroup.Core.Model;

/// <summary>
/// One Auto Scaling terminate lifecycle action, as the ledger keeps it: the hook and the token that name it, when it began,
/// how long each heartbeat keeps it (the hook's heartbeat timeout) and when Auto Scaling ends it whatever MaxGroup does
/// (the hook's global timeout). The instance is not terminated before CompleteLifecycleAction or the
/// timeout, so the hand-over's steps have until <see cref="GlobalDeadline"/> as long as heartbeats keep coming.
/// </summary>
public sealed record LifecycleHookAction
{
    public required string GroupName { get; init; }
    public required string HookName { get; init; }
    /// <summary>The LifecycleActionToken of the event (null when the event had none: the action is then named by instance).</summary>
    public string? Token { get; init; }
    /// <summary>When the action began (the event's time).</summary>
    public required DateTimeOffset StartedAt { get; init; }
    public required TimeSpan HeartbeatTimeout { get; init; }
    /// <summary>StartedAt + the hook's global timeout: no heartbeat extends the action past it.</summary>
    public required DateTimeOffset GlobalDeadline { get; init; }

    /// <summary>AWS's default heartbeat timeout, used when the hook could not be described.</summary>
    public static readonly TimeSpan DefaultHeartbeatTimeout = TimeSpan.FromSeconds(3600);

    /// <summary>
    /// The global timeout AWS documents: 100 times the heartbeat timeout or 48 hours, whichever is smaller (used when the
    /// hook's description does not give one).
    /// </summary>
    public static TimeSpan DocumentedGlobalTimeout(TimeSpan heartbeatTimeout) =>
        TimeSpan.FromTicks(Math.Min(heartbeatTimeout.Ticks * 100, TimeSpan.FromHours(48).Ticks));

    /// <summary>Result values of CompleteLifecycleAction.</summary>
    public const string Continue = "CONTINUE";
    public const string Abandon = "ABANDON";
}
