namespace MaxGroup.Integration.Tests.Reliability.Crash;

/// <summary>Runs only when MAXGROUP_CRASH_DRILL=1: the full matrix takes most of an hour (each case waits ~100 s for the reclaim).</summary>
public sealed class CrashDrillFactAttribute : FactAttribute
{
    public const string Variable = "MAXGROUP_CRASH_DRILL";

    public CrashDrillFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1")
        {
            Skip = $"Crash drill matrix off: set {Variable}=1 to run it (optionally {CrashDrillMatrix.ModesVariable}=inline,deployed, "
                + $"{CrashDrillMatrix.ParallelVariable}=4, {CrashDrillMatrix.CallsVariable}=CreateFleet,AttachInstances); "
                + "it writes artifacts/crash-drill/results.json; tools/reliability/run.sh runs it and regenerates docs/reliability.md.";
        }
    }
}
