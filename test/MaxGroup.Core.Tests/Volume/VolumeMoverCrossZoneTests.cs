using MaxGroup.Core.Steps.Volume;

namespace MaxGroup.Core.Tests.Volume;

/// <summary>A successor in another zone: the snapshot copy, across triggers and crashes, and its waits.</summary>
public sealed class VolumeMoverCrossZoneTests : VolumeMoverTestBase
{
    [Fact]
    public async Task CrossZone_Snapshot_CopiesAttributesAndTagsAcrossTriggersAndKeepsOriginal()
    {
        (_, FakeVolume data) = Doomed();
        _ec2.AddInstance("i-far", ZoneB, launched: Warning.AddSeconds(30));
        _ec2.SnapshotPendingLooks = 1;
        VolumeMover mover = await PreparedThenTerminatedAsync(Request(successor: "i-far"));

        VolumeMoveResult first = Assert.Single(await mover.OnInstanceStateChangeAsync("i-doomed", "terminated", CancellationToken.None));
        Assert.Equal(StepStatus.Waiting, first.Outcome.Status);
        Assert.Equal(VolumeTags.Statuses.Copying, data.Tags[VolumeTags.Status]);

        VolumeSweepReport report = await mover.SweepAsync(CancellationToken.None);
        Assert.Equal(1, report.Completed);

        FakeVolume copy = _ec2.Volumes[data.Tags[VolumeTags.CopyVolume]];
        Assert.Single(_ec2.Calls, c => c.StartsWith("CreateSnapshot", StringComparison.Ordinal));
        Assert.Equal(ZoneB, copy.Zone);
        Assert.Equal((data.Size, data.Type, data.Iops, data.Throughput), (copy.Size, copy.Type, copy.Iops, copy.Throughput));
        Assert.Equal("db", copy.Tags["app"]);
        Assert.Equal(data.Id, copy.Tags[VolumeTags.SourceVolume]);
        Assert.Equal(VolumeTags.Statuses.Attached, copy.Tags[VolumeTags.Status]);
        Assert.Equal(("i-far", "/dev/xvdz"), (copy.AttachedTo, copy.Device));
        Assert.True(_ec2.Volumes.ContainsKey(data.Id));
        Assert.Equal(VolumeTags.Statuses.SourceKept, data.Tags[VolumeTags.Status]);
        Assert.Empty((await mover.SweepAsync(CancellationToken.None)).Results);
    }

    [Fact]
    public async Task CrossZone_TriggerDiedAfterCreateVolume_NextTriggerFindsTheCopyInsteadOfMakingAnother()
    {
        (_, FakeVolume data) = Doomed();
        _ec2.AddInstance("i-far", ZoneB, launched: Warning.AddSeconds(30));
        _ec2.VolumeCreatingLooks = 2;
        VolumeMover mover = await PreparedThenTerminatedAsync(Request(successor: "i-far"));

        VolumeMoveResult first = Assert.Single(await mover.OnInstanceStateChangeAsync("i-doomed", "terminated", CancellationToken.None));
        Assert.Equal(StepStatus.Waiting, first.Outcome.Status);
        data.Tags[VolumeTags.CopyVolume] = "";
        data.Tags[VolumeTags.Snapshot] = "";

        VolumeSweepReport report = await mover.SweepAsync(CancellationToken.None);

        Assert.Equal(1, report.Completed);
        Assert.Single(_ec2.Calls, c => c.StartsWith("CreateVolume", StringComparison.Ordinal));
        Assert.Single(_ec2.Calls, c => c.StartsWith("CreateSnapshot", StringComparison.Ordinal));
        Assert.Equal("i-far", _ec2.Volumes[data.Tags[VolumeTags.CopyVolume]].AttachedTo);
    }

    [Fact]
    public async Task CrossZone_Wait_LeavesPendingForNextLaunchInZone()
    {
        (_, FakeVolume data) = Doomed();
        _ec2.AddInstance("i-far", ZoneB, launched: Warning.AddSeconds(30));
        VolumeMover mover = await PreparedThenTerminatedAsync(Request(successor: "i-far", crossAz: CrossAzPolicy.Wait));

        VolumeMoveResult waiting = Assert.Single(await mover.OnInstanceStateChangeAsync("i-doomed", "terminated", CancellationToken.None));
        Assert.Equal(StepStatus.Waiting, waiting.Outcome.Status);
        Assert.Contains("persistence_cross_az is wait", waiting.Outcome.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(_ec2.Calls, c => c.StartsWith("CreateSnapshot", StringComparison.Ordinal));

        _ec2.AddInstance("i-near", ZoneA, launched: Warning.AddSeconds(90));
        await mover.OnInstanceLaunchedAsync("web", "i-near", CancellationToken.None);

        Assert.Equal("i-near", data.AttachedTo);
    }

    [Fact]
    public async Task Snapshot_StillPending_WaitsInProcessOnlyUpToMaxWait()
    {
        (_, FakeVolume data) = Doomed();
        _ec2.AddInstance("i-far", ZoneB, launched: Warning.AddSeconds(30));
        _ec2.SnapshotPendingLooks = 1000;
        var mover = new VolumeMover(_ec2, TimeProvider.System, NullLogger.Instance, options: new VolumeMoverOptions { MaxWait = TimeSpan.FromMilliseconds(300), PollInterval = TimeSpan.FromMilliseconds(50) });
        await mover.PrepareAsync(Request(successor: "i-far"), CancellationToken.None);
        _ec2.Terminate("i-doomed");
        var watch = System.Diagnostics.Stopwatch.StartNew();

        VolumeMoveResult result = Assert.Single(await mover.OnInstanceStateChangeAsync("i-doomed", "terminated", CancellationToken.None));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"waited {watch.Elapsed}");
        Assert.Equal(StepStatus.Waiting, result.Outcome.Status);
        Assert.Contains("is pending", result.Outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(VolumeTags.Statuses.Copying, data.Tags[VolumeTags.Status]);
        Assert.NotEqual("", data.Tags[VolumeTags.Snapshot]);
    }
}
