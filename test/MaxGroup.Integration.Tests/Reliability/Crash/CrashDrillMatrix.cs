namespace MaxGroup.Integration.Tests.Reliability.Crash;

/// <summary>
/// The full matrix: per mode, a calibration run with no kill records the hand-over's mutating calls; then one case per
/// (call, occurrence) x {before, after}. Cases run concurrently, each on its own moto (MAXGROUP_CRASH_DRILL_PARALLEL,
/// default 4, shared by the modes): a case spends most of its ~2.5 minutes waiting for the reclaim, so that stays faithful on 2 cores.
/// </summary>
public static class CrashDrillMatrix
{
    public const string ModesVariable = "MAXGROUP_CRASH_DRILL_MODES";
    public const string ParallelVariable = "MAXGROUP_CRASH_DRILL_PARALLEL";
    public const string CallsVariable = "MAXGROUP_CRASH_DRILL_CALLS";

    public static IReadOnlyList<CrashMode> SelectedModes() =>
        (Environment.GetEnvironmentVariable(ModesVariable) is { Length: > 0 } modes ? modes : "inline,deployed")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(m => Enum.Parse<CrashMode>(m, ignoreCase: true))
            .ToList();

    /// <summary>The kill points a calibration run's mutating calls give, optionally only those whose call contains one of MAXGROUP_CRASH_DRILL_CALLS.</summary>
    public static IReadOnlyList<CrashKillPoint> Points(CrashCaseResult calibration)
    {
        string[] only = (Environment.GetEnvironmentVariable(CallsVariable) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return calibration.Calls
            .Where(c => c.Mutating && (only.Length == 0 || only.Any(o => c.Call.Contains(o, StringComparison.OrdinalIgnoreCase))))
            .OrderBy(c => c.Start)
            .Select(c => (c.Call, c.Occurrence))
            .Distinct()
            .SelectMany(c => new[] { new CrashKillPoint(c.Call, c.Occurrence, Before: true), new CrashKillPoint(c.Call, c.Occurrence, Before: false) })
            .ToList();
    }

    /// <summary>Runs the selected modes; <paramref name="done"/> sees the results so far after each case (a cut-short run still leaves them).</summary>
    public static async Task<List<CrashCaseResult>> RunAsync(Action<string> log, Action<IReadOnlyList<CrashCaseResult>> done)
    {
        int parallel = int.TryParse(Environment.GetEnvironmentVariable(ParallelVariable), out int n) && n > 0 ? n : 4;
        using var slots = new SemaphoreSlim(parallel);
        var soFar = new List<CrashCaseResult>();
        var calibrations = new List<CrashCaseResult>();
        var points = new List<(CrashMode Mode, CrashKillPoint Point)>();
        foreach (CrashMode mode in SelectedModes())
        {
            CrashCaseResult calibration = await CrashDrillCase.RunAsync(mode, null, CrashCaseResult.ArtifactsDirectory);
            log(Summary(calibration));
            Add(calibration);
            calibrations.Add(calibration);
            IReadOnlyList<CrashKillPoint> mine = Points(calibration);
            log($"{mode}: {mine.Count} cases from {calibration.MutatingCalls.Count} mutating calls");
            points.AddRange(mine.Select(p => (mode, p)));
        }

        // Every mode's cases share the slots, so the last few of one mode do not leave the others waiting.
        CrashCaseResult[] cases = await Task.WhenAll(points.Select(async c =>
        {
            await slots.WaitAsync();
            try
            {
                CrashCaseResult result = await CrashDrillCase.RunAsync(c.Mode, c.Point, CrashCaseResult.ArtifactsDirectory);
                log(Summary(result));
                Add(result);
                return result;
            }
            finally
            {
                slots.Release();
            }
        }));
        List<CrashCaseResult> results = [.. calibrations.SelectMany(k => cases.Where(r => r.Mode == k.Mode).Prepend(k))];
        return results;

        void Add(CrashCaseResult result)
        {
            lock (soFar)
            {
                soFar.Add(result);
                done([.. soFar]);
            }
        }
    }

    public static string Summary(CrashCaseResult result) =>
        $"{result.Name}: {(result.Passed ? "all held" : "broke " + string.Join(", ", result.Broken))}"
        + $"{(result.Kill is not null && !result.KillFired ? " (kill point never reached)" : "")}; {result.DurationSeconds:0} s";
}
