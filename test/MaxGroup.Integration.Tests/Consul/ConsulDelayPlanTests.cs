using CsCheck;
using MaxGroup.Core.Steps.Consul;

namespace MaxGroup.Integration.Tests.Consul;

/// <summary>Pure tests of how the configured delay is bounded by the reclaim time.</summary>
public sealed class ConsulDelayPlanTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Compute_DelayFits_Unchanged()
    {
        ConsulDelayPlan plan = ConsulDelayPlan.Compute(30, Now, Now.AddSeconds(120), TimeSpan.FromSeconds(15));

        Assert.Equal(TimeSpan.FromSeconds(30), plan.Delay);
        Assert.False(plan.Shortened);
    }

    [Fact]
    public void Compute_DelayTooLong_ShortenedToLeaveTheReserve()
    {
        ConsulDelayPlan plan = ConsulDelayPlan.Compute(300, Now, Now.AddSeconds(120), TimeSpan.FromSeconds(15));

        Assert.Equal(TimeSpan.FromSeconds(105), plan.Delay);
        Assert.Equal(TimeSpan.FromSeconds(300), plan.Configured);
        Assert.True(plan.Shortened);
    }

    [Fact]
    public void Compute_LessThanReserveLeft_NoWait()
    {
        ConsulDelayPlan plan = ConsulDelayPlan.Compute(20, Now, Now.AddSeconds(10), TimeSpan.FromSeconds(15));

        Assert.Equal(TimeSpan.Zero, plan.Delay);
        Assert.True(plan.Shortened);
    }

    [Fact]
    public void Compute_NegativeConfigured_NoWait()
    {
        ConsulDelayPlan plan = ConsulDelayPlan.Compute(-5, Now, Now.AddSeconds(120), TimeSpan.FromSeconds(15));

        Assert.Equal(TimeSpan.Zero, plan.Delay);
        Assert.False(plan.Shortened);
    }

    [Fact]
    public void Compute_AnyInput_EndsBeforeReclaimMinusReserveOrDoesNotWait()
    {
        Gen.Select(Gen.Int[-10, 1000], Gen.Int[-60, 200]).Sample((configured, left) =>
        {
            ConsulDelayPlan plan = ConsulDelayPlan.Compute(configured, Now, Now.AddSeconds(left), TimeSpan.FromSeconds(15));
            return plan.Delay >= TimeSpan.Zero
                && plan.Delay <= TimeSpan.FromSeconds(Math.Max(0, configured))
                && (plan.Delay == TimeSpan.Zero || Now + plan.Delay + TimeSpan.FromSeconds(15) <= Now.AddSeconds(left));
        });
    }
}
