namespace MaxGroup.Integration.Tests.Reliability;

/// <summary>Runs only when MAXGROUP_DRILL=1: the full drill takes minutes (about 10 s a run, 38 runs by default over four triggers).</summary>
public sealed class FaultDrillFactAttribute : FactAttribute
{
    public const string Variable = "MAXGROUP_DRILL";

    public FaultDrillFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1")
        {
            Skip = $"Fault drill off: set {Variable}=1 to run it (optionally {FaultDrillTrigger.TriggersVariable}=spot,scale-in, {FaultDrillPlan.PlansVariable}=mix and {FaultDrillPlan.SeedsVariable}=1,2,3); "
                + "it writes artifacts/reliability/drill.md; tools/reliability.sh runs it and regenerates docs/reliability.md.";
        }
    }
}
