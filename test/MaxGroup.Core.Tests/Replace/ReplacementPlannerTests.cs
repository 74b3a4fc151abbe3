using MaxGroup.Core.Steps.Capacity;

namespace MaxGroup.Core.Tests.Replace;

public sealed class ReplacementPlannerTests
{
    private static readonly DateTimeOffset Warning = Samples.WarningTime;

    [Fact]
    public void Candidates_OverridesAndAlternatives_AvoidInterruptedSpotPoolThenFallBackToOnDemand()
    {
        var group = new AutoScalingGroupInfo { Name = "web", OverrideInstanceTypes = ["m5.large", "m5a.large", "m4.large"] };
        var config = new GroupConfig { GroupName = "web", AlternativeInstanceTypes = ["c5.large", "m4.large"] };

        IReadOnlyList<LaunchCandidate> candidates = ReplacementPlanner.Candidates(Samples.Instance("i-00000000000000001"), group, config);

        Assert.Equal(
            ["m5a.large/spot", "m4.large/spot", "c5.large/spot", "m5.large/on-demand", "m5a.large/on-demand", "m4.large/on-demand", "c5.large/on-demand"],
            candidates.Select(c => c.ToString()));
    }

    [Fact]
    public void Candidates_OnlyTheInterruptedType_KeepsItsSpotPool()
    {
        var group = new AutoScalingGroupInfo { Name = "web" };

        IReadOnlyList<LaunchCandidate> candidates = ReplacementPlanner.Candidates(
            Samples.Instance("i-00000000000000001"), group, new GroupConfig { GroupName = "web" });

        Assert.Equal(["m5.large/spot", "m5.large/on-demand"], candidates.Select(c => c.ToString()));
    }

    [Fact]
    public void Candidates_OnDemandFallbackOff_OnlySpot()
    {
        var group = new AutoScalingGroupInfo { Name = "web" };
        var config = new GroupConfig { GroupName = "web", IsEnableOdFallback = false, AlternativeInstanceTypes = ["c5.large"] };

        IReadOnlyList<LaunchCandidate> candidates = ReplacementPlanner.Candidates(Samples.Instance("i-00000000000000001"), group, config);

        Assert.Equal(["c5.large/spot"], candidates.Select(c => c.ToString()));
    }

    [Fact]
    public void Candidates_PreferMultipleTypesFalse_OnDemandBeforeTheAlternativesSpotPools()
    {
        var group = new AutoScalingGroupInfo { Name = "web", OverrideInstanceTypes = ["m5.large", "m5a.large"] };
        var config = new GroupConfig { GroupName = "web", IsPreferMultipleTypes = false, AlternativeInstanceTypes = ["c5.large"] };

        IReadOnlyList<LaunchCandidate> candidates = ReplacementPlanner.Candidates(Samples.Instance("i-00000000000000001"), group, config);

        Assert.Equal(
            ["m5a.large/spot", "m5.large/on-demand", "m5a.large/on-demand", "c5.large/on-demand", "c5.large/spot"],
            candidates.Select(c => c.ToString()));
    }

    [Fact]
    public void Candidates_PreferMultipleTypesFalseWithoutOnDemandFallback_KeepsTheSpotOrder()
    {
        var group = new AutoScalingGroupInfo { Name = "web" };
        var config = new GroupConfig { GroupName = "web", IsPreferMultipleTypes = false, IsEnableOdFallback = false, AlternativeInstanceTypes = ["c5.large"] };

        IReadOnlyList<LaunchCandidate> candidates = ReplacementPlanner.Candidates(Samples.Instance("i-00000000000000001"), group, config);

        Assert.Equal(["c5.large/spot"], candidates.Select(c => c.ToString()));
    }

    [Fact]
    public void Candidates_OnlyOnDemandReplacement_OnlyOnDemandInterruptedTypeFirst()
    {
        var group = new AutoScalingGroupInfo { Name = "web", OverrideInstanceTypes = ["m5a.large", "m5.large"] };
        var config = new GroupConfig { GroupName = "web", IsOnlyOdRep = true, IsEnableOdFallback = false, AlternativeInstanceTypes = ["c5.large"] };

        IReadOnlyList<LaunchCandidate> candidates = ReplacementPlanner.Candidates(Samples.Instance("i-00000000000000001"), group, config);

        Assert.Equal(["m5.large/on-demand", "m5a.large/on-demand", "c5.large/on-demand"], candidates.Select(c => c.ToString()));
    }

    [Fact]
    public void EffectiveStrategy_AutoWithOnlyOnDemandReplacement_Launches()
    {
        Assert.Equal(ReplacementStrategy.Launch, new GroupConfig { IsOnlyOdRep = true }.EffectiveStrategy);
        Assert.Equal(ReplacementStrategy.Detach, new GroupConfig().EffectiveStrategy);
    }

    [Fact]
    public void Tags_PropagateAtLaunchOnly_PlusMaxGroupTags()
    {
        var group = new AutoScalingGroupInfo
        {
            Name = "web",
            Tags = [new AsgTag("team", "blue", true), new AsgTag("cost", "x", false), new AsgTag("aws:cloudformation:stack-name", "s", true)],
        };

        IReadOnlyDictionary<string, string> tags = ReplacementPlanner.Tags(group, "i-00000000000000001");

        Assert.Equal(3, tags.Count);
        Assert.Equal("blue", tags["team"]);
        Assert.Equal("web", tags[SuccessorTags.Group]);
        Assert.Equal("i-00000000000000001", tags[SuccessorTags.Replaces]);
    }

    [Theory]
    [InlineData(5, 20, 20)]   // plenty of time: the configured delay
    [InlineData(100, 20, 10)] // 20 s left before reclaim, 10 s kept free: 10 s
    [InlineData(105, 20, 5)]
    [InlineData(115, 20, 0)]  // inside the safety margin: no wait at all
    [InlineData(130, 20, 0)]  // past reclaim
    [InlineData(5, 0, 0)]
    public void BoundedDelay_CutsTheConfiguredDelayAtReclaimMinusMargin(int secondsAfterWarning, int configured, int expected)
    {
        TimeSpan delay = ReplacementPlanner.BoundedDelay(
            TimeSpan.FromSeconds(configured), Warning.AddSeconds(secondsAfterWarning), Warning.AddSeconds(120), TimeSpan.FromSeconds(10));

        Assert.Equal(TimeSpan.FromSeconds(expected), delay);
    }
}
