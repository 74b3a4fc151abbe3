using MaxGroup.Core.Preaction;

namespace MaxGroup.Core.Tests.Preaction;

/// <summary>Issue 19 item 3: fallbacks MaxGroup launched go back to Spot, never below the group's On-Demand base.</summary>
public sealed class SpotRevertPlannerTests
{
    private const string Region = "us-east-1";
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Plan_OnDemandFallbackOlderThanOdLeastLive_SwappedForTheSafestOwnSpotType()
    {
        AutoScalingGroupInfo group = Group([Member("i-own"), Member("i-od")]) with { OverrideInstanceTypes = ["c5.large", "m5.large"], OnDemand = new OnDemandDistribution(0, 0) };
        Dictionary<string, InstanceFacts> facts = Facts(Own("i-own", "c5.large"), Successor("i-od", "c5.large", "on-demand", minutesAgo: 16));

        PreactionPlan plan = Plan(group, Config(), facts, advisorSwaps: false);

        PlannedSwap swap = Assert.Single(plan.Swaps);
        Assert.Equal(("i-od", SwapKind.OnDemandFallback, "m5.large"), (swap.InstanceId, swap.Kind, swap.NewType));
        Assert.Equal("subnet-1", swap.SubnetId);
    }

    [Fact]
    public void Plan_FallbackYoungerThanLeastLive_WaitsAndSaysHowLong()
    {
        AutoScalingGroupInfo group = Group([Member("i-own"), Member("i-od")]) with { OverrideInstanceTypes = ["c5.large"], OnDemand = new OnDemandDistribution(0, 0) };
        Dictionary<string, InstanceFacts> facts = Facts(Own("i-own", "c5.large"), Successor("i-od", "c5.large", "on-demand", minutesAgo: 14));

        PreactionPlan plan = Plan(group, Config(), facts, advisorSwaps: false);

        Assert.Empty(plan.Swaps);
        Assert.Contains(plan.Notes, n => n.Contains("lived 14 of 15 min (od_least_live_mins)", StringComparison.Ordinal));
        Assert.Single(Plan(group, Config() with { OdLeastLiveMins = 10 }, facts, advisorSwaps: false).Swaps);
    }

    [Fact]
    public void Plan_OnDemandBaseAndPercentage_KeepWhatTheDistributionWants()
    {
        // Desired 4, base 1, 50 % above: the group wants 1 + ceil(3 * 0.5) = 3 On-Demand; it runs 4, so one may go.
        AutoScalingGroupInfo group = Group([Member("i-1"), Member("i-2"), Member("i-3"), Member("i-4")])
            with { OverrideInstanceTypes = ["c5.large"], OnDemand = new OnDemandDistribution(1, 50) };
        Dictionary<string, InstanceFacts> facts = Facts(
            Successor("i-1", "c5.large", "on-demand", 60), Successor("i-2", "c5.large", "on-demand", 50),
            Successor("i-3", "c5.large", "on-demand", 40), Successor("i-4", "c5.large", "on-demand", 30));

        PreactionPlan plan = Plan(group, Config(batch: 5), facts, advisorSwaps: false);

        Assert.Equal(["i-1"], plan.Swaps.Select(s => s.InstanceId));
        Assert.Contains(plan.Notes, n => n.Contains("On-Demand base capacity and percentage want it", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_AlternativeTypeSpotSuccessor_GoesBackToAnOwnType()
    {
        AutoScalingGroupInfo group = Group([Member("i-own"), Member("i-alt")]) with { OverrideInstanceTypes = ["c5.large"], OnDemand = new OnDemandDistribution(0, 0) };
        Dictionary<string, InstanceFacts> facts = Facts(Own("i-own", "c5.large"), Successor("i-alt", "m6i.large", "spot", minutesAgo: 20));

        PreactionPlan plan = Plan(group, Config() with { AlternativeInstanceTypes = ["m6i.large"] }, facts, advisorSwaps: false);

        PlannedSwap swap = Assert.Single(plan.Swaps);
        Assert.Equal((SwapKind.AlternativeFallback, "m6i.large", "c5.large"), (swap.Kind, swap.OldType, swap.NewType));
    }

    [Fact]
    public void Plan_NotSwappedBack_OwnMembersOnlyOdRepSwitchedOffOrSpotOfOwnType()
    {
        AutoScalingGroupInfo group = Group([Member("i-own-od"), Member("i-spot"), Member("i-od")]) with { OverrideInstanceTypes = ["c5.large"], OnDemand = new OnDemandDistribution(0, 0) };
        Dictionary<string, InstanceFacts> facts = Facts(
            Own("i-own-od", "c5.large", "on-demand"), Successor("i-spot", "c5.large", "spot", 60), Successor("i-od", "c5.large", "on-demand", 60));

        Assert.Equal(["i-od"], Plan(group, Config(batch: 5), facts, advisorSwaps: false).Swaps.Select(s => s.InstanceId));
        Assert.Empty(Plan(group, Config(batch: 5) with { IsOnlyOdRep = true }, facts, advisorSwaps: false).Swaps);
        Assert.Empty(Plan(group, Config(batch: 5) with { IsToRevertToSpot = false }, facts, advisorSwaps: false).Swaps);
    }

    [Fact]
    public void Plan_OnDemandBackfillOfAFailedLaunch_IsAFallbackToo()
    {
        AutoScalingGroupInfo group = Group([Member("i-own"), Member("i-bf")]) with { OverrideInstanceTypes = ["c5.large"], OnDemand = new OnDemandDistribution(0, 0) };
        InstanceFacts backfill = Own("i-bf", "c5.large", "on-demand") with
        {
            LaunchTime = Now.AddMinutes(-30),
            Tags = new Dictionary<string, string> { [SuccessorTags.Backfill] = "activity-1" },
        };

        PreactionPlan plan = Plan(group, Config(), Facts(Own("i-own", "c5.large"), backfill), advisorSwaps: false);

        Assert.Equal(("i-bf", SwapKind.OnDemandFallback), (Assert.Single(plan.Swaps).InstanceId, plan.Swaps[0].Kind));
    }

    [Fact]
    public void Plan_NoMixedInstancesPolicy_OnlyWhenTheGroupsOwnMembersRunSpot()
    {
        AutoScalingGroupInfo group = Group([Member("i-own"), Member("i-od")]);
        Dictionary<string, InstanceFacts> spotGroup = Facts(Own("i-own", "c5.large", "spot"), Successor("i-od", "c5.large", "on-demand", 60));
        Dictionary<string, InstanceFacts> onDemandGroup = Facts(Own("i-own", "c5.large", "on-demand"), Successor("i-od", "c5.large", "on-demand", 60));

        Assert.Equal("c5.large", Assert.Single(Plan(group, Config(), spotGroup, advisorSwaps: false).Swaps).NewType);
        PreactionPlan kept = Plan(group, Config(), onDemandGroup, advisorSwaps: false);
        Assert.Empty(kept.Swaps);
        Assert.Contains(kept.Notes, n => n.Contains("none of its own members runs Spot", StringComparison.Ordinal));
    }

    [Fact]
    public void PlanWithReverts_AdvisorSwapsFirstThenFallbacks_CappedAtTheBatch()
    {
        AutoScalingGroupInfo group = Group([Member("i-risky"), Member("i-od1"), Member("i-od2")])
            with { OverrideInstanceTypes = ["c5.large", "m5.large"], OnDemand = new OnDemandDistribution(0, 0) };
        Dictionary<string, InstanceFacts> facts = Facts(
            Own("i-risky", "c5.large", "spot"), Successor("i-od1", "m5.large", "on-demand", 90), Successor("i-od2", "m5.large", "on-demand", 30));

        PreactionPlan plan = Plan(group, Config(batch: 2) with { IsEnablePreaction = true }, facts, advisorSwaps: true);

        Assert.Equal([("i-risky", SwapKind.Advisor), ("i-od1", SwapKind.OnDemandFallback)], plan.Swaps.Select(s => (s.InstanceId, s.Kind)));
        Assert.Contains(plan.Notes, n => n.Contains("max_num_of_terminated_one_time=2", StringComparison.Ordinal));
    }

    [Fact]
    public void PlanWithReverts_GroupNotSettled_NothingSwappedBack()
    {
        AutoScalingGroupInfo group = Group([Member("i-own"), Member("i-od"), Member("i-new") with { LifecycleState = "Pending" }])
            with { OverrideInstanceTypes = ["c5.large"], OnDemand = new OnDemandDistribution(0, 0) };
        Dictionary<string, InstanceFacts> facts = Facts(Own("i-own", "c5.large"), Successor("i-od", "c5.large", "on-demand", 60));

        PreactionPlan plan = Plan(group, Config(), facts, advisorSwaps: false);

        Assert.Empty(plan.Swaps);
        Assert.Contains(plan.Notes, n => n.Contains("not settled", StringComparison.Ordinal));
    }

    [Fact]
    public void OnDemandDistribution_RequiredAt_BaseThenPercentageRoundedUp()
    {
        Assert.Equal(0, new OnDemandDistribution(0, 0).RequiredAt(10));
        Assert.Equal(2, new OnDemandDistribution(2, 0).RequiredAt(10));
        Assert.Equal(1, new OnDemandDistribution(2, 0).RequiredAt(1));
        Assert.Equal(6, new OnDemandDistribution(2, 50).RequiredAt(9));
        Assert.Equal(10, new OnDemandDistribution(0, 100).RequiredAt(10));
    }

    private static PreactionPlan Plan(AutoScalingGroupInfo group, GroupConfig config, Dictionary<string, InstanceFacts> facts, bool advisorSwaps) =>
        PreactionPlanner.PlanWithReverts(group, config, facts, AdvisorTestData.Data(), Region, bucketThreshold: 1, advisorSwaps, Now);

    private static GroupConfig Config(int batch = 1) => new() { GroupName = "web", MaxNumOfTerminatedOneTime = batch };

    private static AutoScalingGroupInfo Group(IReadOnlyList<AutoScalingInstanceInfo> members) => new()
    {
        Name = "web",
        MinSize = 1,
        MaxSize = 10,
        DesiredCapacity = members.Count,
        Instances = members,
    };

    private static AutoScalingInstanceInfo Member(string id) => new()
    {
        InstanceId = id,
        GroupName = "web",
        AvailabilityZone = "us-east-1a",
        LifecycleState = "InService",
        HealthStatus = "Healthy",
    };

    private static InstanceFacts Own(string id, string type, string lifecycle = "spot") => Instance(id, type, lifecycle, 600, successor: false);

    private static InstanceFacts Successor(string id, string type, string lifecycle, int minutesAgo) => Instance(id, type, lifecycle, minutesAgo, successor: true);

    private static InstanceFacts Instance(string id, string type, string lifecycle, int minutesAgo, bool successor) => new()
    {
        InstanceId = id,
        GroupName = "web",
        AvailabilityZone = "us-east-1a",
        SubnetId = "subnet-1",
        InstanceType = type,
        Lifecycle = lifecycle,
        State = "running",
        LaunchTime = Now.AddMinutes(-minutesAgo),
        Tags = successor ? new Dictionary<string, string> { [SuccessorTags.Replaces] = "i-gone" } : new Dictionary<string, string>(),
    };

    private static Dictionary<string, InstanceFacts> Facts(params InstanceFacts[] instances) => instances.ToDictionary(i => i.InstanceId);
}
