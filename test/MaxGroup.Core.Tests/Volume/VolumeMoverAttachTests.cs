using MaxGroup.Core.Steps.Volume;

namespace MaxGroup.Core.Tests.Volume;

/// <summary>The attach: a device in use, a race with another trigger, two volumes and one successor, a volume free again.</summary>
public sealed class VolumeMoverAttachTests : VolumeMoverTestBase
{
    [Fact]
    public async Task RecordedSuccessor_DeviceAlreadyInUse_FailsClearlyAndKeepsVolumePending()
    {
        (_, FakeVolume data) = Doomed();
        _ec2.AddInstance("i-new", ZoneA, launched: Warning.AddSeconds(30));
        FakeVolume squatter = _ec2.AddVolume(ZoneA, "i-new", "/dev/xvdz");
        VolumeMover mover = await PreparedThenTerminatedAsync(Request(successor: "i-new"));

        VolumeMoveResult result = Assert.Single(await mover.OnInstanceStateChangeAsync("i-doomed", "terminated", CancellationToken.None));

        Assert.Equal(StepStatus.Failed, result.Outcome.Status);
        Assert.Contains($"device /dev/xvdz is already in use on i-new by {squatter.Id}", result.Outcome.Reason, StringComparison.Ordinal);
        Assert.Null(data.AttachedTo);
        Assert.Equal(VolumeTags.Statuses.Pending, data.Tags[VolumeTags.Status]);
        Assert.Contains("already in use", data.Tags[VolumeTags.LastError], StringComparison.Ordinal);
        Assert.DoesNotContain(_ec2.Calls, c => c.StartsWith("AttachVolume", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Attach_DeviceTakenBetweenCheckAndAttach_FailsWithEc2ReasonAndReopens()
    {
        (_, FakeVolume data) = Doomed();
        _ec2.AddInstance("i-new", ZoneA, launched: Warning.AddSeconds(30));
        VolumeMover mover = await PreparedThenTerminatedAsync(Request(successor: "i-new"));
        string? squatter = null;
        _ec2.BeforeAttach = (_, _) =>
        {
            _ec2.BeforeAttach = null;
            squatter = _ec2.AddVolume(ZoneA, "i-new", "/dev/xvdz").Id;
        };

        VolumeMoveResult result = Assert.Single(await mover.OnInstanceStateChangeAsync("i-doomed", "terminated", CancellationToken.None));

        Assert.Equal(StepStatus.Failed, result.Outcome.Status);
        Assert.StartsWith($"AttachVolume of {data.Id} to i-new as /dev/xvdz failed: InvalidParameterValue: ", result.Outcome.Reason, StringComparison.Ordinal);
        Assert.Null(data.AttachedTo);
        Assert.Equal("i-new", _ec2.Volumes[squatter!].AttachedTo);
        Assert.Equal(VolumeTags.Statuses.Pending, data.Tags[VolumeTags.Status]);
        Assert.Equal("", data.Tags[VolumeTags.TargetInstance]);
    }

    [Fact]
    public async Task RecordedSuccessor_RejectionMessageSaysAlreadyInUse_StillWaitsUnlessTheDeviceIsTaken()
    {
        // The decision is the rejection's kind: a group whose name happens to read "already in use" is no taken device.
        (_, FakeVolume data) = Doomed();
        _ec2.AddInstance("i-elsewhere", ZoneA, group: "other", launched: Warning.AddSeconds(30));
        VolumeMover mover = Mover();
        RemediationRequest request = Request(successor: "i-elsewhere");
        await mover.PrepareAsync(request with { Config = request.Config with { GroupName = "batch-already in use" } }, CancellationToken.None);
        _ec2.Terminate("i-doomed");

        VolumeMoveResult result = Assert.Single(await mover.OnInstanceStateChangeAsync("i-doomed", "terminated", CancellationToken.None));

        Assert.Equal(StepStatus.Waiting, result.Outcome.Status);
        Assert.Equal("no successor yet: i-elsewhere is not in group batch-already in use", result.Outcome.Reason);
        Assert.Null(data.AttachedTo);
        Assert.Equal(VolumeTags.Statuses.Pending, data.Tags[VolumeTags.Status]);
    }

    [Fact]
    public async Task Attach_AnotherTriggerAttachedItFirst_NeverTwoInstances()
    {
        (_, FakeVolume data) = Doomed();
        _ec2.AddInstance("i-new", ZoneA, launched: Warning.AddSeconds(30));
        _ec2.AddInstance("i-rogue", ZoneA, launched: Warning.AddSeconds(20));
        VolumeMover mover = await PreparedThenTerminatedAsync(Request(successor: "i-new"));
        _ec2.BeforeAttach = (volumeId, _) =>
        {
            _ec2.BeforeAttach = null;
            _ec2.AttachVolumeAsync(volumeId, "i-rogue", "/dev/xvdz", CancellationToken.None).GetAwaiter().GetResult();
        };

        VolumeMoveResult result = Assert.Single(await mover.OnInstanceStateChangeAsync("i-doomed", "terminated", CancellationToken.None));

        Assert.Equal(StepStatus.Failed, result.Outcome.Status);
        Assert.Equal("i-rogue", data.AttachedTo);
        Assert.False(_ec2.Instances["i-new"].Devices.ContainsKey("/dev/xvdz"));

        // The next trigger adopts the winner's attach instead of calling it foreign.
        VolumeMoveResult next = await mover.AdvanceAsync(data.Id, null, null, CancellationToken.None);
        Assert.Equal(StepStatus.Done, next.Outcome.Status);
        Assert.Equal((VolumeTags.Statuses.Attached, "i-rogue"), (data.Tags[VolumeTags.Status], data.Tags[VolumeTags.TargetInstance]));
    }

    [Fact]
    public async Task TwoVolumes_OneSuccessor_OnlyOneIsAttachedToIt()
    {
        (_, FakeVolume first) = Doomed();
        VolumeMover mover = Mover();
        await mover.PrepareAsync(Request(), CancellationToken.None);
        _ec2.AddInstance("i-doomed2", ZoneA, launched: Warning.AddHours(-4));
        FakeVolume second = _ec2.AddVolume(ZoneA, "i-doomed2", "/dev/sdf");
        await mover.PrepareAsync(Request() with { EventId = "evt-2", Instance = _ec2.Instances["i-doomed2"].ToFacts() }, CancellationToken.None);
        _ec2.Terminate("i-doomed");
        _ec2.Terminate("i-doomed2");
        _ec2.AddInstance("i-new", ZoneA, launched: Warning.AddSeconds(30));

        VolumeSweepReport report = await mover.SweepAsync(CancellationToken.None);

        Assert.Equal(1, report.Completed);
        Assert.Single(new[] { first, second }, v => v.AttachedTo == "i-new");
        Assert.Single(report.StillPending);
    }

    [Fact]
    public async Task AttachedTag_VolumeFreeAgain_ReopensTheMove()
    {
        (_, FakeVolume data) = Doomed();
        VolumeMover mover = await PreparedThenTerminatedAsync();
        data.Tags[VolumeTags.Status] = VolumeTags.Statuses.Attached;
        data.Tags[VolumeTags.TargetInstance] = "i-gone";
        _ec2.AddInstance("i-new", ZoneA, launched: Warning.AddSeconds(30));

        VolumeMoveResult result = await mover.AdvanceAsync(data.Id, null, null, CancellationToken.None);

        Assert.Equal(StepStatus.Done, result.Outcome.Status);
        Assert.Equal("i-new", data.AttachedTo);
    }
}
