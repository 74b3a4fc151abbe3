using MaxGroup.Core.Steps.Prewarm;

namespace MaxGroup.Core.Tests.Rebalance;

public sealed class PrewarmRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ConfigProblem_FlagOff_SaysTheFlagIsOff()
    {
        string? problem = PrewarmRules.ConfigProblem(GroupConfigLookup.ManagedBy(new GroupConfig { GroupName = "web", ReplacementStrategy = ReplacementStrategy.Launch }));

        Assert.Equal("is_to_handle_rebalance_event is off for this group: the recommendation is ignored", problem);
    }

    [Fact]
    public void ConfigProblem_DetachStrategy_RefusesBecauseNothingWouldAdoptTheSuccessor()
    {
        var config = new GroupConfig { GroupName = "web", IsToHandleRebalanceEvent = true, ReplacementStrategy = ReplacementStrategy.Detach };

        Assert.StartsWith("pre-warm needs the launch replacement strategy", PrewarmRules.ConfigProblem(GroupConfigLookup.ManagedBy(config)));
    }

    [Fact]
    public void ConfigProblem_UnmanagedOrDisabled_SaysWhy()
    {
        Assert.Equal("group is not managed: no config", PrewarmRules.ConfigProblem(GroupConfigLookup.NotManaged("no config")));
        var disabled = new GroupConfig { GroupName = "web", Enabled = false, IsToHandleRebalanceEvent = true, ReplacementStrategy = ReplacementStrategy.Launch };
        Assert.Equal("group is disabled in its configuration", PrewarmRules.ConfigProblem(GroupConfigLookup.ManagedBy(disabled)));
    }

    [Fact]
    public void ConfigProblem_LaunchStrategyWithFlag_AllowsThePrewarm()
    {
        var config = new GroupConfig { GroupName = "web", IsToHandleRebalanceEvent = true, ReplacementStrategy = ReplacementStrategy.Launch };

        Assert.Null(PrewarmRules.ConfigProblem(GroupConfigLookup.ManagedBy(config)));
    }

    [Fact]
    public void InstanceProblem_GoneOrLooseOrMissing_SaysWhy()
    {
        Assert.Equal("instance not found", PrewarmRules.InstanceProblem(null));
        Assert.Equal("instance is already terminated", PrewarmRules.InstanceProblem(Samples.Instance("i-1", state: "terminated")));
        Assert.Equal("instance is not in an Auto Scaling group", PrewarmRules.InstanceProblem(Samples.Instance("i-1", group: null)));
        Assert.Null(PrewarmRules.InstanceProblem(Samples.Instance("i-1")));
    }

    [Theory]
    [InlineData(PrewarmStatus.Launched, 0, 60, false)]
    [InlineData(PrewarmStatus.Reused, 0, 60, false)]
    [InlineData(PrewarmStatus.Claimed, 30, 60, false)]
    [InlineData(PrewarmStatus.Claimed, 180, 60, true)]
    [InlineData(PrewarmStatus.Released, 0, 60, true)]
    [InlineData(PrewarmStatus.Launched, 0, -1, true)]
    public void CanTakeOver_ByStatusAgeAndTtl_OnlyDeadClaimsReleasedOrExpired(PrewarmStatus status, int claimedSecondsAgo, int expiresInMinutes, bool expected)
    {
        var record = new PrewarmRecord
        {
            InstanceId = "i-1",
            GroupName = "web",
            EventId = "rb-1",
            Status = status,
            SuccessorInstanceId = status == PrewarmStatus.Claimed ? null : "i-2",
            ClaimedAt = Now.AddSeconds(-claimedSecondsAgo),
            KeepUntil = Now.AddMinutes(expiresInMinutes),
            ExpiresAt = Now.AddMinutes(expiresInMinutes),
        };

        Assert.Equal(expected, PrewarmRules.CanTakeOver(record, Now, TimeSpan.FromMinutes(2)));
    }

    [Fact]
    public void Judge_GroupMember_IsNeverReleased()
    {
        (bool release, string reason) = PrewarmRules.Judge(Successor(keepUntil: Now.AddHours(-1)), isGroupMember: true, null, null, Now);

        Assert.False(release);
        Assert.Equal("adopted by its group", reason);
    }

    [Fact]
    public void Judge_InterruptionInProgress_KeepsEvenAfterKeepTime()
    {
        InterruptionRecord interruption = Interruption(InterruptionStatus.Active, successor: null);

        Assert.False(PrewarmRules.Judge(Successor(keepUntil: Now.AddHours(-1)), false, null, interruption, Now).Release);
    }

    [Fact]
    public void Judge_InterruptionTookThisSuccessor_Keeps()
    {
        Assert.False(PrewarmRules.Judge(Successor(), false, null, Interruption(InterruptionStatus.Done, successor: "i-pre"), Now).Release);
    }

    [Fact]
    public void Judge_InterruptionHandledWithAnotherSuccessor_Releases()
    {
        (bool release, string reason) = PrewarmRules.Judge(Successor(), false, null, Interruption(InterruptionStatus.Done, successor: "i-other"), Now);

        Assert.True(release);
        Assert.Contains("i-other", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_KeepTimeOverWithoutWarning_Releases()
    {
        (bool release, string reason) = PrewarmRules.Judge(Successor(keepUntil: Now), false, Samples.Instance("i-risk"), null, Now);

        Assert.True(release);
        Assert.Equal("no interruption warning followed within the keep time", reason);
    }

    [Fact]
    public void Judge_AtRiskInstanceGoneWithoutWarning_ReleasesBeforeKeepTime()
    {
        Assert.True(PrewarmRules.Judge(Successor(), false, Samples.Instance("i-risk", state: "terminated"), null, Now).Release);
        Assert.True(PrewarmRules.Judge(Successor(), false, null, null, Now).Release);
        Assert.True(PrewarmRules.Judge(Successor(), false, Samples.Instance("i-risk", group: null), null, Now).Release);
    }

    [Fact]
    public void Judge_AtRiskStillRunningWithinKeepTime_Keeps()
    {
        (bool release, string reason) = PrewarmRules.Judge(Successor(), false, Samples.Instance("i-risk"), null, Now);

        Assert.False(release);
        Assert.Equal("waiting for an interruption warning", reason);
    }

    private static PrewarmedInstance Successor(DateTimeOffset? keepUntil = null) => new("i-pre", "i-risk", "web", keepUntil ?? Now.AddMinutes(30));

    private static InterruptionRecord Interruption(InterruptionStatus status, string? successor) => new()
    {
        InstanceId = "i-risk",
        EventIds = ["ev-1"],
        GroupName = "web",
        WarningTime = Now,
        ReclaimAt = Now.AddMinutes(2),
        Status = status,
        SuccessorInstanceId = successor,
    };
}
