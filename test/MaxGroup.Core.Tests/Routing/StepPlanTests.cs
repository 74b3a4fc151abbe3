using MaxGroup.Core.Routing;

namespace MaxGroup.Core.Tests.Routing;

/// <summary>Which steps a hand-over gets, by its trigger and the group's load balancers.</summary>
public sealed class StepPlanTests
{
    private static readonly GroupConfig Config = new() { GroupName = "web", K8sNodeDrainOption = true };

    private static readonly AutoScalingGroupInfo Balanced = new() { Name = "web", TargetGroupArns = ["arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"] };

    [Fact]
    public void For_SpotWarningInAGroupWithATargetGroup_TrafficComesSecond()
    {
        Assert.Equal([StepNames.Replace, StepNames.Traffic, StepNames.Drain], StepPlan.For(Config, HandoverTrigger.SpotWarning, Balanced));
    }

    [Fact]
    public void For_GroupNotDescribedOrWithoutLoadBalancers_NoTrafficStep()
    {
        Assert.Equal([StepNames.Replace, StepNames.Drain], StepPlan.For(Config, HandoverTrigger.SpotWarning, null));
        Assert.Equal([StepNames.Replace, StepNames.Drain], StepPlan.For(Config, HandoverTrigger.SpotWarning, Balanced with { TargetGroupArns = [] }));
    }

    [Fact]
    public void For_LbDeregistrationOff_NoTrafficStep()
    {
        Assert.Equal([StepNames.Replace, StepNames.Drain], StepPlan.For(Config with { LbDeregistration = false }, HandoverTrigger.SpotWarning, Balanced));
    }

    [Fact]
    public void For_LifecycleHook_NoSuccessorNoTrafficAndTheLifecycleStepLast()
    {
        // Auto Scaling itself deregisters a terminating instance from the group's load balancers (and waits for their
        // draining) before the hook's Terminating:Wait.
        Assert.Equal([StepNames.Drain, StepNames.Lifecycle], StepPlan.For(Config, HandoverTrigger.LifecycleHook, Balanced));
    }
}
