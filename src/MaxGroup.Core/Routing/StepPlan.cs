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
    /// Whether <see cref="For(GroupConfig, HandoverTrigger, AutoScalingGroupInfo?)"/> can depend on the group's description:
    /// only a traffic step does (it needs a target group or a load balancer). Where it cannot, the dispatcher begins the
    /// hand-over without waiting for the description.
    /// </summary>
    public static bool DependsOnGroup(GroupConfig config, HandoverTrigger trigger)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.HasTrafficStep && trigger is not HandoverTrigger.LifecycleHook and not HandoverTrigger.UnwarnedStateChange;
    }

    /// <summary>
    /// The plan as if the group had a load balancer: what the dispatcher begins with while the group's description is on
    /// its way; a step the described group turns out not to need is then recorded NoOp, never started.
    /// </summary>
    public static IReadOnlyList<string> ForLoadBalancedGroup(GroupConfig config, HandoverTrigger trigger) =>
        Plan(config, trigger, loadBalanced: true);

    /// <summary>
    /// The steps <paramref name="config"/> enables for a hand-over opened by <paramref name="trigger"/> once the group is
    /// described (<paramref name="group"/>; null: the dispatcher could not ask).
    /// <list type="bullet">
    /// <item>A terminate lifecycle action needs no successor (Auto Scaling decides the group's size itself): its data volume
    /// is kept and left pending for the group's next instance in its zone (the volume step), the node drained and the
    /// services deregistered, and the lifecycle step keeps the action alive while they run and completes it after. It has
    /// no traffic step either: Auto Scaling deregisters a terminating instance from the group's load balancers and waits
    /// for their draining before it puts the instance in Terminating:Wait.</item>
    /// <item>An instance stopping or shutting down with no hand-over open (a manual stop or terminate) gets the drain and
    /// the Consul deregistration only, when the config enables them; possibly nothing.</item>
    /// <item>Otherwise the traffic step comes second, after replace, when lb_deregistration is on and the group has a target
    /// group or a Classic Load Balancer. A group with neither, or not described, gets none: no function started, no ELB
    /// call, and the group's own deregistration at the detach stays what it always was.</item>
    /// </list>
    /// </summary>
    public static IReadOnlyList<string> For(GroupConfig config, HandoverTrigger trigger, AutoScalingGroupInfo? group) =>
        Plan(config, trigger, group is not null && (group.TargetGroupArns.Count > 0 || group.LoadBalancerNames.Count > 0));

    private static IReadOnlyList<string> Plan(GroupConfig config, HandoverTrigger trigger, bool loadBalanced)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (trigger == HandoverTrigger.LifecycleHook)
        {
            return [.. For(config).Where(s => s != StepNames.Replace), StepNames.Lifecycle];
        }

        if (trigger == HandoverTrigger.UnwarnedStateChange)
        {
            // No successor (the group replaces the instance itself) and no volume step (the state change's volume
            // triggers move the volume as they always did): only what can still be done for a node already leaving.
            return [.. For(config).Where(s => s is StepNames.Drain or StepNames.Consul)];
        }

        List<string> steps = [.. For(config)];
        if (config.HasTrafficStep && loadBalanced)
        {
            steps.Insert(1, StepNames.Traffic);
        }

        return steps;
    }
}
