using MaxGroup.Core.Model;

namespace MaxGroup.Core.Routing;

/// <summary>The step plan: the remediation steps a group's configuration enables for a hand-over.</summary>
public static class StepPlan
{
    /// <summary>The steps <paramref name="config"/> enables, in the order they are listed to users; replace always comes first.</summary>
    public static IReadOnlyList<string> For(GroupConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var steps = new List<string> { StepNames.Replace };
        if (config.HasVolumeStep)
        {
            steps.Add(StepNames.Volume);
        }

        if (config.HasDrainStep)
        {
            steps.Add(StepNames.Drain);
        }

        if (config.HasConsulStep)
        {
            steps.Add(StepNames.Consul);
        }

        return steps;
    }

    /// <summary>
    /// The steps <paramref name="config"/> enables for a hand-over opened by <paramref name="trigger"/>. A terminate
    /// lifecycle action needs no successor (Auto Scaling decides the group's size itself): its data volume is kept and left
    /// pending for the group's next instance in its zone (the volume step), the node drained and the services deregistered,
    /// and the lifecycle step keeps the action alive while they run and completes it after.
    /// </summary>
    public static IReadOnlyList<string> For(GroupConfig config, HandoverTrigger trigger)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (trigger != HandoverTrigger.LifecycleHook)
        {
            return For(config);
        }

        return [.. For(config).Where(s => s != StepNames.Replace), StepNames.Lifecycle];
    }
}
