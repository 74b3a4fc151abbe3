using MaxGroup.Core.Steps.Backfill;
using MaxGroup.Core.Steps.Capacity;

namespace MaxGroup.Core.Tests.Backfill;

public sealed class BackfillRulesTests
{
    [Fact]
    public void Shortfall_CountsInServiceAndPendingOnly()
    {
        var group = new AutoScalingGroupInfo
        {
            Name = "web",
            DesiredCapacity = 4,
            Instances =
            [
                new AutoScalingInstanceInfo { InstanceId = "i-1", LifecycleState = "InService" },
                new AutoScalingInstanceInfo { InstanceId = "i-2", LifecycleState = "Pending:Wait" },
                new AutoScalingInstanceInfo { InstanceId = "i-3", LifecycleState = "Terminating" },
                new AutoScalingInstanceInfo { InstanceId = "i-4", LifecycleState = "Detaching" },
            ],
        };

        Assert.Equal(2, BackfillRules.Shortfall(group));
        Assert.Equal(0, BackfillRules.Shortfall(group with { DesiredCapacity = 1 }));
    }

    [Fact]
    public void ClientToken_SameGroupAndActivity_SameTokenWithinEc2sLimit()
    {
        string longName = new('g', 255);

        string token = BackfillRules.ClientToken(longName, "0d6c2a11-4b7e-4c3f-9a55-2e8f1b7c6d90", 1);

        Assert.Equal(token, BackfillRules.ClientToken(longName, "0d6c2a11-4b7e-4c3f-9a55-2e8f1b7c6d90", 1));
        Assert.NotEqual(token, BackfillRules.ClientToken(longName, "another-activity", 1));
        Assert.NotEqual(token, BackfillRules.ClientToken(longName, "0d6c2a11-4b7e-4c3f-9a55-2e8f1b7c6d90", 0));
        Assert.True(token.Length <= 64, token);
        Assert.EndsWith("-1", token, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("We currently do not have sufficient m5.large capacity in the Availability Zone you requested (us-east-1b).", "m5.large")]
    [InlineData("There is no Spot capacity available that matches your request.", null)]
    [InlineData(null, null)]
    public void FailedInstanceType_ReadFromTheStatusMessage(string? message, string? expected) =>
        Assert.Equal(expected, BackfillRules.FailedInstanceType(message));

    [Fact]
    public void AvoidedPools_NoTypeNamed_EveryCandidateTypeInTheFailedZone()
    {
        DateTimeOffset until = DateTimeOffset.UnixEpoch;

        Assert.Equal(
            [new SpotPoolBan("m5.large", "us-east-1b", until), new SpotPoolBan("c5.large", "us-east-1b", until)],
            BackfillRules.AvoidedPools("us-east-1b", null, ["m5.large", "c5.large", "m5.large"], until));
        Assert.Equal([new SpotPoolBan("c5.large", "us-east-1b", until)], BackfillRules.AvoidedPools("us-east-1b", "c5.large", ["m5.large"], until));
        Assert.Empty(BackfillRules.AvoidedPools(null, "c5.large", ["m5.large"], until));
    }

    [Fact]
    public void FirstOtherThan_SkipsTheFailedSubnetUnlessItIsTheOnlyOne()
    {
        Assert.Equal("subnet-b", BackfillRules.FirstOtherThan(["subnet-a", "subnet-b"], "subnet-a"));
        Assert.Equal("subnet-a", BackfillRules.FirstOtherThan(["subnet-a", "subnet-b"], null));
        Assert.Equal("subnet-a", BackfillRules.FirstOtherThan(["subnet-a"], "subnet-a"));
        Assert.Null(BackfillRules.FirstOtherThan([], "subnet-a"));
    }

    [Fact]
    public void BackfillCandidates_NoOverrides_TheMembersTypesThenAltsThenOnDemandFromTheFailedType()
    {
        var group = new AutoScalingGroupInfo
        {
            Name = "web",
            Instances = [new AutoScalingInstanceInfo { InstanceId = "i-1", InstanceType = "m5.large" }],
        };
        var config = new GroupConfig { GroupName = "web", AlternativeInstanceTypes = ["c5.large"] };

        IReadOnlyList<LaunchCandidate> candidates = ReplacementPlanner.BackfillCandidates(group, config, "c5.large");

        Assert.Equal(
            ["m5.large/spot", "c5.large/spot", "c5.large/on-demand", "m5.large/on-demand"],
            candidates.Select(c => c.ToString()));
        Assert.Empty(ReplacementPlanner.BackfillCandidates(group with { Instances = [] }, config with { AlternativeInstanceTypes = [] }, null));
    }
}
