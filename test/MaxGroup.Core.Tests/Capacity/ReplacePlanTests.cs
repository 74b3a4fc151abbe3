using MaxGroup.Core.Steps.Replace;

namespace MaxGroup.Core.Tests.Capacity;

public sealed class ReplacePlanTests
{
    private const string Doomed = "i-0000000000000000d";

    [Fact]
    public void For_FullGroupLaunchStrategy_TextOfEveryPart()
    {
        var group = new AutoScalingGroupInfo
        {
            Name = "web",
            MaxSize = 2,
            DesiredCapacity = 2,
            LaunchTemplate = new AsgLaunchTemplate("lt-1", null, "3"),
            OverrideInstanceTypes = ["m5.large", "m5a.large"],
            Tags = [new AsgTag("team", "blue", true)],
        };
        var config = new GroupConfig { GroupName = "web", ReplacementStrategy = ReplacementStrategy.Launch };

        var plan = ReplacePlan.For(Samples.Instance(Doomed), group, config);

        Assert.True(plan.Launches);
        Assert.Equal("launch", plan.StrategyText);
        Assert.Equal("m5a.large/spot, m5.large/on-demand, m5a.large/on-demand", plan.CandidatesText);
        Assert.Equal("lt-1 version 3", plan.TemplateText);
        Assert.Equal("subnet-a", plan.Placement);
        Assert.Equal($"team=blue, spotmax:group=web, spotmax:replaces={Doomed}", plan.TagsText);
        Assert.True(plan.RaisesMaxSize);
        Assert.Equal("2 -> 3", plan.MaxSizeChangeText);
        Assert.Equal(
            $"would launch a successor (m5a.large/spot, m5.large/on-demand, m5a.large/on-demand) in subnet-a, attach it raising MaxSize by one, and detach {Doomed} with decrement after 5 s",
            plan.Sentence("5"));
    }

    [Fact]
    public void For_DetachStrategyWithRoom_DetachSentenceNoRaise()
    {
        var group = new AutoScalingGroupInfo { Name = "web", MaxSize = 5, DesiredCapacity = 2 };
        var config = new GroupConfig { GroupName = "web", ReplacementStrategy = ReplacementStrategy.Detach };

        var plan = ReplacePlan.For(Samples.Instance(Doomed) with { LaunchTemplate = null }, group, config);

        Assert.False(plan.Launches);
        Assert.Equal("detach", plan.StrategyText);
        Assert.False(plan.RaisesMaxSize);
        Assert.Null(plan.TemplateText);
        Assert.Equal($"would detach {Doomed} without decrement after 0 s; the group launches the replacement", plan.Sentence("0"));
    }
}
