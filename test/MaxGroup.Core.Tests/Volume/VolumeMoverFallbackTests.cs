using MaxGroup.Core.Steps.Volume;

namespace MaxGroup.Core.Tests.Volume;

/// <summary>
/// The fallback successor (no recorded or claimed one) must have been launched at or after the source left: a scale-in's
/// kept volume waits for the group's next instance and never goes to a member that ran all along; the group's own
/// replacement (detach strategy) and recorded successors launched earlier (pre-warmed spares, preaction swaps) still take it.
/// </summary>
public sealed class VolumeMoverFallbackTests : VolumeMoverTestBase
{
    private readonly InMemoryLedger _ledger = new();

    [Fact]
    public async Task ScaleIn_OnlyOlderMemberInZone_VolumeStaysAvailableAndTheTimelineSaysWhy()
    {
        (_, FakeVolume data) = Doomed();
        FakeInstance member = _ec2.AddInstance("i-member", ZoneA, launched: Warning.AddHours(-3));
        FakeVolume own = _ec2.AddVolume(ZoneA, "i-member", "/dev/sdf");
        var groups = new FakeAutoScaling();
        groups.AddMembers("web", ("i-member", "InService"));
        VolumeMover mover = Mover(autoScaling: groups);
        await BeginHandoverAsync();
        await PreparedThenTerminatedAsync(LifecycleRequest(), mover);
        var triggers = new VolumeTriggers(mover, _clock, NullLogger.Instance, _ledger);

        await triggers.OnInstanceStateChangeAsync(Terminated("i-doomed"), CancellationToken.None);
        VolumeSweepReport sweep = await mover.SweepAsync(CancellationToken.None);

        Assert.Null(data.AttachedTo);
        Assert.Equal(VolumeTags.Statuses.Pending, data.Tags[VolumeTags.Status]);
        Assert.Equal(("/dev/sdf", own.Id), Assert.Single(member.Devices.Select(d => (d.Key, d.Value.VolumeId))));
        Assert.DoesNotContain(_ec2.Calls, c => c.StartsWith("AttachVolume", StringComparison.Ordinal));
        Assert.Equal(data.Id, Assert.Single(sweep.StillPending).VolumeId);
        StepRecord? step = (await _ledger.GetAsync("i-doomed", CancellationToken.None))?.FindStep(StepNames.Volume);
        Assert.Equal(StepStatus.Waiting, step?.Status);
        Assert.Contains("i-member was launched at 2026-11-24T05:14:00Z, before i-doomed left at 2026-11-24T08:14:00Z", step?.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScaleIn_LateLaunchEventOfAnOlderMember_DoesNotTakeTheVolume()
    {
        (_, FakeVolume data) = Doomed();
        _ec2.AddInstance("i-member", ZoneA, launched: Warning.AddSeconds(-30));
        VolumeMover mover = await PreparedThenTerminatedAsync(LifecycleRequest());

        VolumeMoveResult result = Assert.Single(await mover.OnInstanceLaunchedAsync("web", "i-member", CancellationToken.None));

        Assert.Equal(StepStatus.Waiting, result.Outcome.Status);
        Assert.Contains("i-member was launched at 2026-11-24T08:13:30Z, before i-doomed left", result.Outcome.Reason, StringComparison.Ordinal);
        Assert.Null(data.AttachedTo);
    }

    [Fact]
    public async Task ScaleIn_MemberLaunchedAfterTheHandover_TakesTheVolumeTheOlderOneKeepsItsOwn()
    {
        (_, FakeVolume data) = Doomed();
        FakeInstance member = _ec2.AddInstance("i-member", ZoneA, launched: Warning.AddHours(-3));
        _ec2.AddVolume(ZoneA, "i-member", "/dev/sdf");
        VolumeMover mover = await PreparedThenTerminatedAsync(LifecycleRequest());
        Assert.Equal(StepStatus.Waiting, Assert.Single(await mover.OnInstanceStateChangeAsync("i-doomed", "terminated", CancellationToken.None)).Outcome.Status);

        _ec2.AddInstance("i-next", ZoneA, launched: Warning.AddMinutes(20));
        VolumeMoveResult result = Assert.Single(await mover.OnInstanceLaunchedAsync("web", "i-next", CancellationToken.None));

        Assert.Equal(StepStatus.Done, result.Outcome.Status);
        Assert.Equal(("i-next", "/dev/xvdz"), (data.AttachedTo, data.Device));
        Assert.DoesNotContain("/dev/xvdz", member.Devices.Keys);
    }

    [Fact]
    public async Task SpotDetach_GroupReplacementLaunchedInTheWarningsSecond_TakesTheVolumeNotTheOlderMember()
    {
        (_, FakeVolume data) = Doomed();
        _ec2.AddInstance("i-member", ZoneA, launched: Warning.AddHours(-1));
        // The group's own replacement, launched after the detach; EC2 gives launch times in whole seconds, as the tag is.
        _ec2.AddInstance("i-replacement", ZoneA, launched: Warning);
        var groups = new FakeAutoScaling();
        groups.AddMembers("web", ("i-member", "InService"), ("i-replacement", "InService"));
        VolumeMover mover = await PreparedThenTerminatedAsync(mover: Mover(autoScaling: groups));

        VolumeMoveResult result = Assert.Single(await mover.OnInstanceStateChangeAsync("i-doomed", "terminated", CancellationToken.None));

        Assert.Equal(StepStatus.Done, result.Outcome.Status);
        Assert.Equal(("i-replacement", "/dev/xvdz"), (data.AttachedTo, data.Device));
    }

    [Fact]
    public async Task RecordedSuccessorLaunchedBeforeTheWarning_PrewarmedSpare_StillTakesTheVolume()
    {
        (_, FakeVolume data) = Doomed();
        _ec2.AddInstance("i-spare", ZoneA, launched: Warning.AddMinutes(-10));
        VolumeMover mover = await PreparedThenTerminatedAsync(mover: Mover(successors: new FixedSuccessor("i-spare")));

        VolumeMoveResult result = Assert.Single(await mover.OnInstanceStateChangeAsync("i-doomed", "terminated", CancellationToken.None));

        Assert.Equal(StepStatus.Done, result.Outcome.Status);
        Assert.Equal("i-spare", data.AttachedTo);
    }

    [Fact]
    public async Task MoveWithoutInterruptionTime_NoFallbackButARecordedSuccessorTakesIt()
    {
        (_, FakeVolume data) = Doomed();
        _ec2.AddInstance("i-new", ZoneA, launched: Warning.AddMinutes(5));
        _ec2.AddInstance("i-spare", ZoneA, launched: Warning.AddMinutes(-10));
        VolumeMover mover = await PreparedThenTerminatedAsync();
        // A move MaxGroup did not tag itself (by hand, or another tool): when its source left is unknown.
        data.Tags.Remove(VolumeTags.InterruptionTime);

        VolumeMoveResult waiting = Assert.Single(await mover.OnInstanceStateChangeAsync("i-doomed", "terminated", CancellationToken.None));
        Assert.Equal(StepStatus.Waiting, waiting.Outcome.Status);
        Assert.Contains($"records no {VolumeTags.InterruptionTime}", waiting.Outcome.Reason, StringComparison.Ordinal);
        Assert.Null(data.AttachedTo);

        IReadOnlyList<VolumeMoveResult> recorded = await mover.OnSuccessorRecordedAsync("i-doomed", "i-spare", CancellationToken.None);

        Assert.Equal(StepStatus.Done, Assert.Single(recorded).Outcome.Status);
        Assert.Equal("i-spare", data.AttachedTo);
    }

    private RemediationRequest LifecycleRequest() => Request() with { Trigger = HandoverTrigger.LifecycleHook };

    private Task BeginHandoverAsync() => _ledger.TryBeginInterruptionAsync(
        new InterruptionRecord { InstanceId = "i-doomed", GroupName = "web", WarningTime = Warning, ReclaimAt = Warning.AddSeconds(120), EventIds = ["evt-1"] },
        new InFlightLimits(),
        Warning,
        CancellationToken.None);

    private static MaxGroupEvent.InstanceStateChange Terminated(string instanceId) => new(new EventBridgeEvent<InstanceStateChangeDetail>
    {
        Id = "evt-2",
        DetailType = DetailTypes.InstanceStateChange,
        Source = "aws.ec2",
        Time = Warning.AddSeconds(125),
        Detail = new InstanceStateChangeDetail(instanceId, "terminated"),
    });
}
