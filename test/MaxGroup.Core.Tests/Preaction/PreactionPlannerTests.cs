using MaxGroup.Core.Preaction;

namespace MaxGroup.Core.Tests.Preaction;

public sealed class PreactionPlannerTests
{
    private const string Region = "us-east-1";

    [Fact]
    public void Rank_AllowedTypes_SafestFirstThenSavingsUnratedLast()
    {
        IReadOnlyList<RankedInstanceType> ranking = PreactionPlanner.Rank(["c5.large", "x9.huge", "m5a.large", "m6i.large", "m5.large"], AdvisorTestData.Data(), Region);

        Assert.Equal(["m5.large", "m5a.large", "m6i.large", "c5.large", "x9.huge"], ranking.Select(r => r.InstanceType));
        Assert.Equal([0, 0, 2, 4, -1], ranking.Select(r => r.Bucket));
        Assert.Equal("<5%", ranking[0].Label);
    }

    [Fact]
    public void AllowedTypes_MixedInstancesPolicy_OverridesPlusAltTypes()
    {
        AutoScalingGroupInfo group = Group(1, 5, [Member("i-1", "c5.large")]) with { OverrideInstanceTypes = ["c5.large", "m6i.large"] };

        IReadOnlyList<string> allowed = PreactionPlanner.AllowedTypes(group, new GroupConfig { AlternativeInstanceTypes = ["m5.large", "c5.large"] });

        Assert.Equal(["c5.large", "m6i.large", "m5.large"], allowed);
    }

    [Fact]
    public void Plan_RiskyTypeWithSaferAlternative_SwapsToTheSafestAllowedType()
    {
        AutoScalingGroupInfo group = Group(1, 5, [Member("i-1", "c5.large")]) with { OverrideInstanceTypes = ["c5.large", "m6i.large", "m5.large"] };

        PreactionPlan plan = Plan(group, Config(2), Facts(("i-1", "c5.large", "spot")));

        PlannedSwap swap = Assert.Single(plan.Swaps);
        Assert.Equal(("i-1", "c5.large", 4, "m5.large", 0), (swap.InstanceId, swap.OldType, swap.OldBucket, swap.NewType, swap.NewBucket));
        Assert.Equal("us-east-1a", swap.AvailabilityZone);
    }

    [Fact]
    public void Plan_NoStrictlySaferAllowedType_NoSwapAndSaysWhy()
    {
        AutoScalingGroupInfo group = Group(1, 5, [Member("i-1", "c5.large")]) with { OverrideInstanceTypes = ["c5.large", "t3.large"] };

        PreactionPlan plan = Plan(group, Config(2), Facts(("i-1", "c5.large", "spot")));

        Assert.Empty(plan.Swaps);
        Assert.Contains(plan.Notes, n => n.Contains("no allowed type is safer", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_MoreCandidatesThanBatch_TakesTheRiskiestUpToMaxNumOfTerminatedOneTime()
    {
        AutoScalingGroupInfo group = Group(1, 10, [Member("i-1", "m6i.large"), Member("i-2", "c5.large"), Member("i-3", "c5.large")])
            with { OverrideInstanceTypes = ["c5.large", "m6i.large", "m5.large"] };

        PreactionPlan plan = Plan(group, Config(2), Facts(("i-1", "m6i.large", "spot"), ("i-2", "c5.large", "spot"), ("i-3", "c5.large", "spot")));

        Assert.Equal(["i-2", "i-3"], plan.Swaps.Select(s => s.InstanceId));
        Assert.Contains(plan.Notes, n => n.Contains("3 instances qualify", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_BucketAtThreshold_IsNotSwapped()
    {
        AutoScalingGroupInfo group = Group(1, 5, [Member("i-1", "m6i.large")]) with { OverrideInstanceTypes = ["m6i.large", "m5.large"] };

        PreactionPlan atTwo = PreactionPlanner.Plan(group, Config(1), Facts(("i-1", "m6i.large", "spot")), AdvisorTestData.Data(), Region, bucketThreshold: 2);
        PreactionPlan atOne = PreactionPlanner.Plan(group, Config(1), Facts(("i-1", "m6i.large", "spot")), AdvisorTestData.Data(), Region, bucketThreshold: 1);

        Assert.Empty(atTwo.Swaps);
        Assert.Single(atOne.Swaps);
    }

    [Fact]
    public void Plan_OnDemandAndMarkedInstances_AreNotSwapped()
    {
        AutoScalingGroupInfo group = Group(1, 5, [Member("i-1", "c5.large"), Member("i-2", "c5.large")]) with { OverrideInstanceTypes = ["c5.large", "m5.large"] };
        Dictionary<string, InstanceFacts> facts = Facts(("i-1", "c5.large", "on-demand"), ("i-2", "c5.large", "spot"));
        facts["i-2"] = facts["i-2"] with { Tags = new Dictionary<string, string> { [PreactionTags.Batch] = "pa1" } };

        PreactionPlan plan = Plan(group, Config(2), facts);

        Assert.Empty(plan.Swaps);
    }

    [Fact]
    public void Plan_GroupBelowMinSizeOrNotSettled_NoSwap()
    {
        AutoScalingGroupInfo below = Group(3, 5, [Member("i-1", "c5.large"), Member("i-2", "c5.large")]) with { OverrideInstanceTypes = ["c5.large", "m5.large"] };
        AutoScalingGroupInfo launching = Group(1, 5, [Member("i-1", "c5.large"), Member("i-2", "c5.large") with { LifecycleState = "Pending" }])
            with { OverrideInstanceTypes = ["c5.large", "m5.large"] };
        Dictionary<string, InstanceFacts> facts = Facts(("i-1", "c5.large", "spot"), ("i-2", "c5.large", "spot"));

        Assert.Empty(Plan(below, Config(2), facts).Swaps);
        Assert.Empty(Plan(launching, Config(2), facts).Swaps);
        Assert.Contains(Plan(below, Config(2), facts).Notes, n => n.Contains("MinSize 3", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_BatchSizeZero_NoSwap()
    {
        AutoScalingGroupInfo group = Group(1, 5, [Member("i-1", "c5.large")]) with { OverrideInstanceTypes = ["c5.large", "m5.large"] };

        Assert.Empty(Plan(group, Config(0), Facts(("i-1", "c5.large", "spot"))).Swaps);
    }

    private static PreactionPlan Plan(AutoScalingGroupInfo group, GroupConfig config, Dictionary<string, InstanceFacts> facts) =>
        PreactionPlanner.Plan(group, config, facts, AdvisorTestData.Data(), Region, bucketThreshold: 1);

    private static GroupConfig Config(int batch) => new() { GroupName = "web", IsEnablePreaction = true, MaxNumOfTerminatedOneTime = batch };

    private static AutoScalingGroupInfo Group(int min, int max, IReadOnlyList<AutoScalingInstanceInfo> members) => new()
    {
        Name = "web",
        MinSize = min,
        MaxSize = max,
        DesiredCapacity = members.Count,
        Instances = members,
    };

    private static AutoScalingInstanceInfo Member(string id, string type) => new()
    {
        InstanceId = id,
        GroupName = "web",
        AvailabilityZone = "us-east-1a",
        LifecycleState = "InService",
        HealthStatus = "Healthy",
        InstanceType = type,
    };

    private static Dictionary<string, InstanceFacts> Facts(params (string Id, string Type, string Lifecycle)[] instances) =>
        instances.ToDictionary(i => i.Id, i => new InstanceFacts
        {
            InstanceId = i.Id,
            GroupName = "web",
            AvailabilityZone = "us-east-1a",
            SubnetId = "subnet-1",
            InstanceType = i.Type,
            Lifecycle = i.Lifecycle,
            State = "running",
        });
}
