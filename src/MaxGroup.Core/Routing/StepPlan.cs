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
}
