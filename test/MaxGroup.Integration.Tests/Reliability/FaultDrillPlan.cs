namespace MaxGroup.Integration.Tests.Reliability;

/// <summary>One named fault plan of the drill: what every proxy (AWS, Kubernetes, Consul) injects, and at which rates.</summary>
public sealed record FaultDrillPlan(string Key, string Description, FaultPlan Faults)
{
    /// <summary>Faults aimed at one AWS call each (action, fault), on top of the random ones: the ambiguous failures that matter.</summary>
    public IReadOnlyList<(string Action, string Fault)> Script { get; init; } = [];

    /// <summary>Which plans a run covers (comma-separated keys); all when unset.</summary>
    public const string PlansVariable = "MAXGROUP_DRILL_PLANS";

    /// <summary>Which seeds (comma-separated integers); 1,2,3 when unset.</summary>
    public const string SeedsVariable = "MAXGROUP_DRILL_SEEDS";

    /// <summary>Every fault on its own, then all of them at once.</summary>
    public static IReadOnlyList<FaultDrillPlan> All { get; } =
    [
        new("none", "no faults (baseline)", FaultPlan.None),
        new("throttle", "throttling 20% (Throttling, RequestLimitExceeded, ThrottlingException, SlowDown, HTTP 429)", new FaultPlan { Throttle = 0.2 }),
        new("5xx", "HTTP 500/503 15%", new FaultPlan { ServerError = 0.15 }),
        new("latency", "300 ms added on 30%", new FaultPlan { Latency = 0.3 }),
        new("drop-before", "connection dropped before the call reaches the peer 10%", new FaultPlan { DropBefore = 0.1 }),
        new("drop-after", "connection dropped after the call took effect 5%", new FaultPlan { DropAfter = 0.05 }),
        new("mix", "throttling 10%, 5xx 5%, drop before 3%, drop after 2%, latency 10%", new FaultPlan { Throttle = 0.1, ServerError = 0.05, DropBefore = 0.03, DropAfter = 0.02, Latency = 0.1 }),
        // Aimed: the first call of each non-idempotent action takes effect and its answer is lost, so the client retries it.
        new("drop-after-attach-instances", "the first AttachInstances takes effect, its answer is lost", FaultPlan.None) { Script = [("AttachInstances", "drop-after")] },
        new("drop-after-run-instances", "the first RunInstances takes effect, its answer is lost", FaultPlan.None) { Script = [("RunInstances", "drop-after")] },
        // The launch goes through CreateFleet first (issue 19): its ClientToken must make the retry return the same fleet.
        new("drop-after-create-fleet", "the first CreateFleet takes effect, its answer is lost", FaultPlan.None) { Script = [("CreateFleet", "drop-after")] },
        new("drop-after-attach-volume", "the first AttachVolume takes effect, its answer is lost", FaultPlan.None) { Script = [("AttachVolume", "drop-after")] },
        new("drop-after-ledger-write", "the first ledger PutItem takes effect, its answer is lost", FaultPlan.None) { Script = [("PutItem", "drop-after")] },
        // The triggers' own non-idempotent calls (FaultDrillTrigger says which trigger runs which plan).
        new("drop-after-terminate-in-group", "the first TerminateInstanceInAutoScalingGroup takes effect, its answer is lost", FaultPlan.None)
        {
            Script = [("TerminateInstanceInAutoScalingGroup", "drop-after")],
        },
        new("drop-after-complete-lifecycle-action", "the first CompleteLifecycleAction takes effect, its answer is lost", FaultPlan.None)
        {
            Script = [("CompleteLifecycleAction", "drop-after")],
        },
    ];

    public static IReadOnlyList<int> DefaultSeeds { get; } = [1, 2, 3];

    /// <summary>Whether the seed changes anything: some fault is drawn at random.</summary>
    public bool IsRandom => Faults.Throttle + Faults.ServerError + Faults.DropBefore + Faults.DropAfter + Faults.Latency > 0;

    /// <summary>The plans named by <see cref="PlansVariable"/>; an unknown key fails loudly rather than running less.</summary>
    public static IReadOnlyList<FaultDrillPlan> Selected()
    {
        string? keys = Environment.GetEnvironmentVariable(PlansVariable);
        if (string.IsNullOrWhiteSpace(keys))
        {
            return All;
        }

        return keys.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(k => All.FirstOrDefault(p => p.Key == k) ?? throw new ArgumentException($"{PlansVariable}: unknown plan '{k}' (known: {string.Join(", ", All.Select(p => p.Key))})"))
            .ToList();
    }

    public static IReadOnlyList<int> SelectedSeeds()
    {
        string? seeds = Environment.GetEnvironmentVariable(SeedsVariable);
        return string.IsNullOrWhiteSpace(seeds)
            ? DefaultSeeds
            : seeds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToList();
    }

    public static FaultDrillPlan Named(string key) => All.Single(p => p.Key == key);
}
