namespace MaxGroup.Integration.Tests.Reliability;

/// <summary>
/// Writes the drill's results as Markdown under artifacts/reliability/ (drill.md: one row per plan and one per run;
/// runs/*.txt: each run's ledger timeline and injected faults) for tools/reliability.sh to fold into docs/reliability.md.
/// </summary>
internal static class FaultDrillReport
{
    public static string Directory => Path.Combine(Runtime.RepositoryPaths.Root, "artifacts", "reliability");

    public static string RunsDirectory
    {
        get
        {
            string path = Path.Combine(Directory, "runs");
            System.IO.Directory.CreateDirectory(path);
            return path;
        }
    }

    public static string Write(string fileName, IReadOnlyList<FaultDrillRun> runs, IReadOnlyList<string>? aborted = null)
    {
        var md = new StringBuilder();
        md.AppendLine("| trigger | fault plan | seeds | runs | invariants | steps ended | failed or skipped steps (reason) |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (IGrouping<(string Trigger, string Plan), FaultDrillRun> plan in runs.GroupBy(r => (r.Trigger, r.Plan)))
        {
            FaultDrillPlan known = FaultDrillPlan.Named(plan.Key.Plan);
            int broken = plan.Count(r => r.Violations.Count > 0);
            string invariants = broken == 0 ? "all held" : $"**violated in {broken} of {plan.Count()}**";
            string steps = string.Join("; ", plan.SelectMany(r => r.Record?.Steps ?? [])
                .GroupBy(s => $"{s.Name} {s.Status.ToString().ToLowerInvariant()}")
                .Select(g => $"{g.Key} ×{g.Count()}"));
            string failures = string.Join("; ", plan.SelectMany(r => r.Failures).Distinct().Select(Cell));
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {plan.Key.Trigger} | {plan.Key.Plan}: {known.Description} | {string.Join(",", plan.Select(r => r.Seed))} | {plan.Count()} | {invariants} | {steps} | {(failures.Length == 0 ? "none" : failures)} |");
        }

        md.AppendLine();
        md.AppendLine("| trigger | plan | seed | time | calls (faults injected) | successor | volume | steps | invariant violations |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (FaultDrillRun run in runs)
        {
            string calls = string.Join(", ", run.Calls.GroupBy(c => c.Service).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"{g.Key} {g.Count()} ({g.Count(c => c.Fault != "none")})"));
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {run.Trigger} | {run.Plan} | {run.Seed} | {run.Duration.TotalSeconds:0} s | {calls} | {(run.Successor is null ? "none" : "1")} | {run.VolumeOutcome} | {run.Steps} | {(run.Violations.Count == 0 ? "none" : Cell(string.Join("; ", run.Violations)))} |");
        }

        foreach (string line in aborted ?? [])
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Aborted (setup or read-back failed, not counted as a run): {Cell(line)}");
        }

        System.IO.Directory.CreateDirectory(Directory);
        string path = Path.Combine(Directory, fileName);
        File.WriteAllText(path, md.ToString());
        return md.ToString();
    }

    /// <summary>The run's story for a reader chasing a violation: invocations, ledger timeline, every injected fault.</summary>
    public static void WriteRunDetail(FaultDrillRun run)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"trigger {run.Trigger} plan {run.Plan} seed {run.Seed}: instance {run.InstanceId} volume {run.VolumeId} successor {run.Successor ?? "-"}");
        text.AppendLine("invocations: " + string.Join(" | ", run.Invocations));
        text.AppendLine("violations: " + (run.Violations.Count == 0 ? "none" : string.Join(" | ", run.Violations)));
        text.AppendLine("volume: " + run.VolumeOutcome);
        text.AppendLine();
        text.Append(FaultDrillScenario.Timeline(run.Record));
        text.AppendLine();
        text.AppendLine("calls (service action status fault start-end):");
        foreach (Infrastructure.ProxiedCall call in run.Calls.OrderBy(c => c.Start))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {call.Start:HH:mm:ss.fff}-{call.End:HH:mm:ss.fff} {call.Service} {call.Action} {call.Status} {call.Fault}");
        }

        text.AppendLine("logs: " + run.LogPath);
        string name = run.Trigger == FaultDrillTrigger.Spot.Key ? $"{run.Plan}-seed{run.Seed}" : $"{run.Trigger}-{run.Plan}-seed{run.Seed}";
        File.WriteAllText(Path.Combine(RunsDirectory, $"{name}.txt"), text.ToString());
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
