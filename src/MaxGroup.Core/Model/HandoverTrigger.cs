using System.Text.Json.Serialization;

namespace MaxGroup.Core.Model;

/// <summary>
/// Why a step was started. The runner, the ledger and the deadline logic do not look at it; a step may (the volume step
/// prepares a move on <see cref="SpotWarning"/> and resumes one on <see cref="StateChange"/>). The JSON names are the
/// strings the payloads between functions have always carried, so a payload in flight during a deploy still reads.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<HandoverTrigger>))]
public enum HandoverTrigger
{
    /// <summary>The Spot two-minute interruption warning (and a resume of the hand-over it opened).</summary>
    [JsonStringEnumMemberName("warning")]
    SpotWarning,
    /// <summary>A rebalance recommendation.</summary>
    [JsonStringEnumMemberName("rebalance")]
    Rebalance,
    /// <summary>A hand-over queued behind the in-flight caps, started once a slot was free.</summary>
    [JsonStringEnumMemberName("dequeued")]
    Dequeued,
    /// <summary>An EC2 instance state change (the instance stopped or terminated).</summary>
    [JsonStringEnumMemberName("state-change")]
    StateChange,
    /// <summary>An Auto Scaling launch: the new member is offered to the group's pending volumes.</summary>
    [JsonStringEnumMemberName("launch")]
    Launch,
    /// <summary>The scheduled sweep.</summary>
    [JsonStringEnumMemberName("sweep")]
    Sweep,
    /// <summary>A scheduled preaction swap.</summary>
    [JsonStringEnumMemberName("preaction")]
    Preaction,
    /// <summary>An Auto Scaling terminate lifecycle action (scale-in, instance refresh, health replacement, rebalance).</summary>
    [JsonStringEnumMemberName("lifecycle-hook")]
    LifecycleHook,
    /// <summary>An interruptible Capacity Reservation's two-minute warning: handed over as a Spot warning is.</summary>
    [JsonStringEnumMemberName("reservation-warning")]
    ReservationWarning,
    /// <summary>An AWS Health scheduled change of an EC2 instance (retirement, stop, reboot): a planned hand-over before its start.</summary>
    [JsonStringEnumMemberName("health-scheduled-change")]
    HealthScheduledChange,
    /// <summary>An instance stopping or shutting down with no hand-over open (a manual stop or terminate): drain and Consul only.</summary>
    [JsonStringEnumMemberName("unwarned-state-change")]
    UnwarnedStateChange,
}

/// <summary>The wire names of <see cref="HandoverTrigger"/> for the ledger's timeline and logs (no reflection: Native AOT).</summary>
public static class HandoverTriggers
{
    public static string WireName(this HandoverTrigger trigger) => trigger switch
    {
        HandoverTrigger.SpotWarning => "warning",
        HandoverTrigger.Rebalance => "rebalance",
        HandoverTrigger.Dequeued => "dequeued",
        HandoverTrigger.StateChange => "state-change",
        HandoverTrigger.Launch => "launch",
        HandoverTrigger.Sweep => "sweep",
        HandoverTrigger.Preaction => "preaction",
        HandoverTrigger.LifecycleHook => "lifecycle-hook",
        HandoverTrigger.ReservationWarning => "reservation-warning",
        HandoverTrigger.HealthScheduledChange => "health-scheduled-change",
        HandoverTrigger.UnwarnedStateChange => "unwarned-state-change",
        _ => throw new ArgumentOutOfRangeException(nameof(trigger), trigger, "no wire name for this trigger"),
    };

    /// <summary>The trigger of <paramref name="wireName"/> (as the ledger stores it); null when unknown or absent.</summary>
    public static HandoverTrigger? FromWireName(string? wireName) =>
        wireName switch
        {
            "warning" => HandoverTrigger.SpotWarning,
            "rebalance" => HandoverTrigger.Rebalance,
            "dequeued" => HandoverTrigger.Dequeued,
            "state-change" => HandoverTrigger.StateChange,
            "launch" => HandoverTrigger.Launch,
            "sweep" => HandoverTrigger.Sweep,
            "preaction" => HandoverTrigger.Preaction,
            "lifecycle-hook" => HandoverTrigger.LifecycleHook,
            "reservation-warning" => HandoverTrigger.ReservationWarning,
            "health-scheduled-change" => HandoverTrigger.HealthScheduledChange,
            "unwarned-state-change" => HandoverTrigger.UnwarnedStateChange,
            _ => null,
        };
}
