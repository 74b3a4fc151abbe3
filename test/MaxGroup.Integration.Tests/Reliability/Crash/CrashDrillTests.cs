namespace MaxGroup.Integration.Tests.Reliability.Crash;

/// <summary>
/// The crash drill (issue 23): the process running a hand-over is SIGKILLed just before or just after a mutating AWS
/// call, the warning is delivered again at once and 60 s later, AWS's part is played, and the README's promises are
/// checked from moto and the ledger. Each case starts its own moto and child processes, so it needs no shared fixture.
/// </summary>
public sealed class CrashDrillTests(ITestOutputHelper output)
{
    /// <summary>
    /// Always on: the dispatcher (steps in-process) dies right after moto launched the successor. The launch is one instant
    /// CreateFleet (RunInstances only when CreateFleet is refused), so that is where the kill lands.
    /// </summary>
    [Fact]
    public async Task Handover_KilledAfterSuccessorLaunchInline_EveryInvariantHolds()
    {
        DateTimeOffset started = DateTimeOffset.UtcNow;
        CrashCaseResult result = await CrashDrillCase.RunAsync(CrashMode.Inline, new CrashKillPoint("ec2:CreateFleet", 1, Before: false), Path.Combine(CrashCaseResult.ArtifactsDirectory, "smoke"));
        CrashCaseResult.WriteAll("smoke.json", [result], started);
        output.WriteLine(result.Detail());

        Assert.True(result.KillFired, "the kill point was never reached: the drill did not exercise the crash\n" + result.Detail());
        Assert.True(result.Passed, result.Detail());
    }

    /// <summary>Opt-in (MAXGROUP_CRASH_DRILL=1): calibration, then every mutating call x {before, after}, in-process and as deployed.</summary>
    [CrashDrillFact]
    public async Task Handover_KilledBeforeOrAfterEveryMutatingCall_EveryInvariantHolds()
    {
        DateTimeOffset started = DateTimeOffset.UtcNow;
        List<CrashCaseResult> results = await CrashDrillMatrix.RunAsync(output.WriteLine, soFar => CrashCaseResult.WriteAll("results.json", soFar, started));
        output.WriteLine("results: " + CrashCaseResult.WriteAll("results.json", results, started));

        List<string> broken = results.Where(r => !r.Passed).Select(CrashDrillMatrix.Summary).ToList();
        Assert.True(broken.Count == 0, $"{broken.Count} of {results.Count} cases broke an invariant:\n" + string.Join("\n", broken));
    }
}
