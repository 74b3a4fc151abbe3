namespace MaxGroup.Integration.Tests.Reliability;

/// <summary>
/// The interruption drill (warning → replace, volume move, drain, Consul; the instance reclaimed; the warning again;
/// the volume sweep; and the same for the other triggers, <see cref="FaultDrillTrigger"/>) with every call MaxGroup makes to AWS, Kubernetes and Consul going through fault proxies, under
/// each fault plan and their mix, with fixed seeds. Invariants are read from the peers and the ledger after each run.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class FaultDrillTests(MotoFixture moto, ITestOutputHelper output)
{
    /// <summary>Always on: one plan with every fault kind, one seed, so CI proves the drill itself still works.</summary>
    [Fact]
    public async Task Drill_MixedFaultsOneSeed_InvariantsHold()
    {
        FaultDrillRun run = await RunAsync(FaultDrillTrigger.Spot, FaultDrillPlan.Named("mix"), 1);
        FaultDrillReport.Write("drill-smoke.md", [run]);
        Assert.True(run.Calls.Any(c => c.Service == "kubernetes") && run.Calls.Any(c => c.Service == "consul"), "the drill reached neither Kubernetes nor Consul");
        Assert.True(run.FaultsInjected > 0, "the mixed plan injected no fault");
        Assert.True(run.Violations.Count == 0, string.Join("\n", run.Violations));
    }

    /// <summary>
    /// Always on as well: the scale-in, whose hand-over has the most machinery of its own (heartbeats, the completion
    /// once per token), under the same plan and seed: about 15 s more in CI.
    /// </summary>
    [Fact]
    public async Task Drill_ScaleInMixedFaultsOneSeed_InvariantsHold()
    {
        FaultDrillRun run = await RunAsync(FaultDrillTrigger.ScaleIn, FaultDrillPlan.Named("mix"), 1);
        FaultDrillReport.Write("drill-smoke-scale-in.md", [run]);
        Assert.True(run.Calls.Any(c => c.Action == "CompleteLifecycleAction"), "the drill never completed the lifecycle action");
        Assert.True(run.Violations.Count == 0, string.Join("\n", run.Violations));
    }

    /// <summary>Opt-in (MAXGROUP_DRILL=1): every selected trigger × its selected plans × seed; writes artifacts/reliability/drill.md.</summary>
    [FaultDrillFact]
    public async Task Drill_EveryFaultPlanAndSeed_InvariantsHold()
    {
        var runs = new List<FaultDrillRun>();
        var aborted = new List<string>();
        foreach (FaultDrillTrigger trigger in FaultDrillTrigger.Selected())
        {
            foreach (FaultDrillPlan plan in trigger.SelectedPlans())
            {
                // A plan that draws nothing at random plays the same way under every seed: one run says it all.
                IReadOnlyList<int> seeds = plan.IsRandom ? FaultDrillPlan.SelectedSeeds() : FaultDrillPlan.SelectedSeeds().Take(1).ToList();
                foreach (int seed in seeds)
                {
                    try
                    {
                        runs.Add(await RunAsync(trigger, plan, seed));
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        // A run that could not be set up or read back says nothing about the invariants: report it, go on.
                        aborted.Add($"{trigger.Key}/{plan.Key}/seed {seed}: run aborted: {ex.GetType().Name}: {ex.Message}");
                        output.WriteLine(aborted[^1]);
                    }
                }
            }
        }

        output.WriteLine(FaultDrillReport.Write("drill.md", runs, aborted));
        List<string> violations = runs.SelectMany(r => r.Violations.Select(v => $"{r.Trigger}/{r.Plan}/seed {r.Seed}: {v}")).Concat(aborted).ToList();
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    private async Task<FaultDrillRun> RunAsync(FaultDrillTrigger trigger, FaultDrillPlan plan, int seed)
    {
        FaultDrillRun run = await FaultDrillScenario.RunAsync(moto, trigger, plan, seed, FaultDrillReport.RunsDirectory);
        FaultDrillReport.WriteRunDetail(run);
        output.WriteLine($"{trigger.Key} {plan.Key} seed {seed}: {run.Duration.TotalSeconds:0} s, {run.Calls.Count} calls, {run.FaultsInjected} faults; {run.Steps}; volume {run.VolumeOutcome}; "
            + $"violations: {(run.Violations.Count == 0 ? "none" : string.Join("; ", run.Violations))}");
        output.WriteLine(string.Join(" | ", run.Invocations));
        return run;
    }
}
