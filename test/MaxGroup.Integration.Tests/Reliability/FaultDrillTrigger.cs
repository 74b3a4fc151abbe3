namespace MaxGroup.Integration.Tests.Reliability;

/// <summary>
/// How the drilled instance leaves: the event that opens its hand-over, what AWS does to the instance after it, and
/// which fault plans run for it. The Spot warning runs every plan; each other trigger runs the baseline, the mix under
/// every seed and the aimed plans that hit its own non-idempotent calls, so the opt-in drill grows by minutes, not by
/// another full matrix.
/// </summary>
public sealed record FaultDrillTrigger(string Key, string Description, HandoverTrigger Opens, IReadOnlyList<string> Plans)
{
    /// <summary>Which triggers a run covers (comma-separated keys); all when unset.</summary>
    public const string TriggersVariable = "MAXGROUP_DRILL_TRIGGERS";

    /// <summary>The terminate hook the scale-in drill puts on the group, and its heartbeat timeout (AWS's minimum, 30 s).</summary>
    public const string Hook = "maxgroup-drain";
    public static readonly TimeSpan HookHeartbeat = TimeSpan.FromSeconds(30);

    /// <summary>How far ahead the drilled retirement starts: a deadline beyond the Spot notice, so the start time is the deadline.</summary>
    public static readonly TimeSpan RetirementAhead = TimeSpan.FromMinutes(10);

    public static FaultDrillTrigger Spot { get; } = new(
        "spot", "Spot warning → replace, volume, drain, Consul; reclaim; warning again; sweep", HandoverTrigger.SpotWarning,
        ["none", "throttle", "5xx", "latency", "drop-before", "drop-after", "mix", "drop-after-attach-instances", "drop-after-run-instances",
         "drop-after-create-fleet", "drop-after-attach-volume", "drop-after-ledger-write"]);

    public static FaultDrillTrigger Reservation { get; } = new(
        "reservation", "Capacity Reservation interruption warning → the Spot warning's hand-over; reclaim; warning again; sweep", HandoverTrigger.ReservationWarning,
        ["none", "mix"]);

    public static FaultDrillTrigger Retirement { get; } = new(
        "retirement", "AWS Health retirement (start 10 min ahead) → successor, volume, drain, Consul, the retiring instance terminated in its group; the retirement; the event again; sweep",
        HandoverTrigger.HealthScheduledChange, ["none", "mix", "drop-after-terminate-in-group"]);

    public static FaultDrillTrigger ScaleIn { get; } = new(
        "scale-in", "terminate lifecycle action (heartbeat timeout 30 s) → volume kept, drain, Consul, hook completed; Auto Scaling terminates; the action again; sweep",
        HandoverTrigger.LifecycleHook, ["none", "mix", "drop-after-complete-lifecycle-action"]);

    public static IReadOnlyList<FaultDrillTrigger> All { get; } = [Spot, Reservation, Retirement, ScaleIn];

    /// <summary>The triggers named by <see cref="TriggersVariable"/>; an unknown key fails loudly rather than running less.</summary>
    public static IReadOnlyList<FaultDrillTrigger> Selected()
    {
        string? keys = Environment.GetEnvironmentVariable(TriggersVariable);
        if (string.IsNullOrWhiteSpace(keys))
        {
            return All;
        }

        return keys.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(k => All.FirstOrDefault(t => t.Key == k) ?? throw new ArgumentException($"{TriggersVariable}: unknown trigger '{k}' (known: {string.Join(", ", All.Select(t => t.Key))})"))
            .ToList();
    }

    /// <summary>The selected plans (<see cref="FaultDrillPlan.Selected"/>) this trigger runs.</summary>
    public IReadOnlyList<FaultDrillPlan> SelectedPlans() => FaultDrillPlan.Selected().Where(p => Plans.Contains(p.Key)).ToList();

    /// <summary>The event that opens the hand-over of <paramref name="instanceId"/>, due at <paramref name="reclaimAt"/> (scale-in: the hook's timeouts decide).</summary>
    public string OpeningJson(string eventId, string instanceId, string zone, DateTimeOffset reclaimAt, string token) => Key switch
    {
        "reservation" => TriggerEventJson.Reservation(eventId, instanceId, reclaimAt),
        "retirement" => TriggerEventJson.Retirement(eventId, instanceId, reclaimAt),
        "scale-in" => TriggerEventJson.Lifecycle(eventId, DemoScene.GroupName, Hook, token, instanceId),
        _ => DemoScene.WarningJson(eventId, instanceId, zone, "terminate", reclaimAt),
    };

    public override string ToString() => Key;
}
