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
    /// The steps of <see cref="For(GroupConfig)"/> once the group is described, plus the traffic step (second, after
    /// replace) when lb_deregistration is on and the group has a target group or a Classic Load Balancer. A group with
    /// neither, or not described (null: the dispatcher could not ask), gets none: no function started, no ELB call, and
    /// the group's own deregistration at the detach stays what it always was.
    /// </summary>
    public static IReadOnlyList<string> For(GroupConfig config, AutoScalingGroupInfo? group)
    {
        List<string> steps = [.. For(config)];
        if (config.HasTrafficStep && group is not null && (group.TargetGroupArns.Count > 0 || group.LoadBalancerNames.Count > 0))
        {
            steps.Insert(1, StepNames.Traffic);
        }

        return steps;
    }
}
