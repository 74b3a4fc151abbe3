using MaxGroup.Core.Steps.Volume;

namespace MaxGroup.Core.Tests.Volume;

public sealed class VolumeTriggersTests
{
    private static readonly DateTimeOffset Warning = DateTimeOffset.Parse("2026-11-24T08:14:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private readonly FakeVolumeApi _ec2 = new();
    private readonly FakeTimeProvider _clock = new(Warning.AddSeconds(5));
    private readonly InMemoryLedger _ledger = new();

    [Fact]
    public async Task Triggers_SuccessorFromLedger_StateChangeAttachesAndRecordsTheVolumeStep()
    {
        _ec2.AddInstance("i-doomed", "us-east-1a", launched: Warning.AddHours(-3));
        FakeVolume data = _ec2.AddVolume("us-east-1a", "i-doomed", "/dev/sdf");
        _ec2.AddInstance("i-replacement", "us-east-1a", launched: Warning.AddSeconds(20));
        _ec2.AddInstance("i-newest", "us-east-1a", launched: Warning.AddSeconds(40));
        await _ledger.TryBeginInterruptionAsync(
            new InterruptionRecord { InstanceId = "i-doomed", GroupName = "web", WarningTime = Warning, ReclaimAt = Warning.AddSeconds(120), EventIds = ["evt-1"] },
            new InFlightLimits(),
            Warning,
            CancellationToken.None);
        await _ledger.SetSuccessorAsync("i-doomed", "i-replacement", Warning.AddSeconds(20), CancellationToken.None);
        var mover = new VolumeMover(_ec2, _clock, NullLogger.Instance, successors: new LedgerSuccessorLookup(_ledger), options: new VolumeMoverOptions { MaxWait = TimeSpan.Zero });
        var triggers = new VolumeTriggers(mover, _clock, NullLogger.Instance, _ledger);
        await mover.PrepareAsync(
            new RemediationRequest
            {
                Step = StepNames.Volume,
                EventId = "evt-1",
                WarningTime = Warning,
                ReclaimAt = Warning.AddSeconds(120),
                Instance = _ec2.Instances["i-doomed"].ToFacts(),
                Config = new GroupConfig { GroupName = "web", PersistenceDev = "/dev/sdf" },
            },
            CancellationToken.None);
        _ec2.Terminate("i-doomed");

        DispatchResult result = await triggers.OnInstanceStateChangeAsync(
            new MaxGroupEvent.InstanceStateChange(new EventBridgeEvent<InstanceStateChangeDetail>
            {
                Id = "evt-2",
                DetailType = DetailTypes.InstanceStateChange,
                Source = "aws.ec2",
                Time = Warning.AddSeconds(125),
                Detail = new InstanceStateChangeDetail("i-doomed", "terminated"),
            }),
            CancellationToken.None);

        Assert.Equal(DispatchStatus.Routed, result.Status);
        Assert.Equal("i-replacement", data.AttachedTo);
        InterruptionRecord? record = await _ledger.GetAsync("i-doomed", CancellationToken.None);
        Assert.Equal(StepStatus.Done, record?.FindStep(StepNames.Volume)?.Status);
    }

    [Fact]
    public async Task Triggers_UnsuccessfulLaunch_IsNoOp()
    {
        var mover = new VolumeMover(_ec2, _clock, NullLogger.Instance);
        var triggers = new VolumeTriggers(mover, _clock, NullLogger.Instance);

        DispatchResult result = await triggers.OnInstanceLaunchAsync(
            new MaxGroupEvent.AutoScalingLaunch(
                new EventBridgeEvent<AutoScalingLaunchDetail>
                {
                    Id = "evt-3",
                    DetailType = DetailTypes.LaunchUnsuccessful,
                    Source = "aws.autoscaling",
                    Time = Warning,
                    Detail = new AutoScalingLaunchDetail("web", null, "Failed"),
                },
                Successful: false),
            CancellationToken.None);

        Assert.Equal(DispatchStatus.NoOp, result.Status);
    }
}
