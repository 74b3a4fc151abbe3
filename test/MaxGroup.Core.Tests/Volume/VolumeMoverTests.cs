using MaxGroup.Core.Steps.Volume;

namespace MaxGroup.Core.Tests.Volume;

/// <summary>The volume mover: prepare at the warning, the move at the state change and the launch, the fallback successor, dry run, the port's limits.</summary>
public sealed class VolumeMoverTests : VolumeMoverTestBase
{
    [Fact]
    public async Task Prepare_DataVolume_TurnsOffDeleteOnTerminationFirstAndTagsPending()
    {
        (_, FakeVolume data) = Doomed();

        StepOutcome outcome = await Mover().PrepareAsync(Request(), CancellationToken.None);

        Assert.Equal(StepStatus.Waiting, outcome.Status);
        Assert.StartsWith("ModifyInstanceAttribute i-doomed /dev/sdf False", _ec2.Calls[0], StringComparison.Ordinal);
        Assert.False(_ec2.Instances["i-doomed"].Devices["/dev/sdf"].DeleteOnTermination);
        Assert.True(_ec2.Instances["i-doomed"].Devices["/dev/xvda"].DeleteOnTermination);
        Assert.Equal("pending", data.Tags[VolumeTags.Status]);
        Assert.Equal("web", data.Tags[VolumeTags.Group]);
        Assert.Equal("i-doomed", data.Tags[VolumeTags.SourceInstance]);
        Assert.Equal("/dev/xvdz", data.Tags[VolumeTags.AttachAs]);
        Assert.Equal("2026-11-24T08:16:00Z", data.Tags[VolumeTags.ReclaimAt]);

        _ec2.Terminate("i-doomed");
        Assert.True(_ec2.Volumes.ContainsKey(data.Id));
    }

    [Fact]
    public async Task Prepare_DeviceMissing_FailsWithClearReason()
    {
        _ec2.AddInstance("i-doomed", ZoneA);
        _ec2.AddVolume(ZoneA, "i-doomed", "/dev/xvda");

        StepOutcome outcome = await Mover().PrepareAsync(Request(), CancellationToken.None);

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Contains("no EBS volume is attached at /dev/sdf on i-doomed", outcome.Reason, StringComparison.Ordinal);
        Assert.Empty(_ec2.Calls);
    }

    [Fact]
    public async Task Prepare_LateWarningAfterTermination_VolumeSurvived_IsTaggedNotCrashed()
    {
        (FakeInstance doomed, FakeVolume data) = Doomed();
        RemediationRequest stale = Request();
        doomed.Devices["/dev/sdf"] = (data.Id, false);
        _ec2.Terminate("i-doomed");

        StepOutcome outcome = await Mover().PrepareAsync(stale, CancellationToken.None);

        Assert.Equal(StepStatus.Waiting, outcome.Status);
        Assert.Equal(VolumeTags.Statuses.Pending, data.Tags[VolumeTags.Status]);
    }

    [Fact]
    public async Task Prepare_LateWarningAfterTermination_VolumeDeleted_FailsWithReason()
    {
        Doomed();
        RemediationRequest stale = Request();
        _ec2.Terminate("i-doomed");

        StepOutcome outcome = await Mover().PrepareAsync(stale, CancellationToken.None);

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Contains("is gone", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prepare_DryRun_PlansAndChangesNothing()
    {
        (_, FakeVolume data) = Doomed();

        StepOutcome outcome = await Mover().PrepareAsync(Request(dryRun: true), CancellationToken.None);

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.Contains("dry run", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(data.Id, outcome.Details["volume"]);
        Assert.Empty(_ec2.Calls);
    }

    [Fact]
    public async Task Prepare_Duplicate_KeepsTheRecordedMove()
    {
        (_, FakeVolume data) = Doomed();
        VolumeMover mover = Mover();
        await mover.PrepareAsync(Request(), CancellationToken.None);
        data.Tags[VolumeTags.TargetInstance] = "i-claimed";
        data.Tags[VolumeTags.Status] = VolumeTags.Statuses.Attaching;

        await mover.PrepareAsync(Request(successor: "i-next"), CancellationToken.None);

        Assert.Equal(VolumeTags.Statuses.Attaching, data.Tags[VolumeTags.Status]);
        Assert.Equal("i-claimed", data.Tags[VolumeTags.TargetInstance]);
        Assert.Equal("i-next", data.Tags[VolumeTags.Successor]);
    }

    [Fact]
    public async Task StateChange_TerminatedWithRecordedSuccessor_AttachesAsXvdzOnce()
    {
        (_, FakeVolume data) = Doomed();
        _ec2.AddInstance("i-new", ZoneA, launched: Warning.AddSeconds(30));
        _ec2.AddInstance("i-newer", ZoneA, launched: Warning.AddSeconds(40));
        VolumeMover mover = await PreparedThenTerminatedAsync(Request(successor: "i-new"));

        IReadOnlyList<VolumeMoveResult> first = await mover.OnInstanceStateChangeAsync("i-doomed", "terminated", CancellationToken.None);
        IReadOnlyList<VolumeMoveResult> again = await mover.OnInstanceStateChangeAsync("i-doomed", "terminated", CancellationToken.None);

        Assert.Equal(StepStatus.Done, Assert.Single(first).Outcome.Status);
        Assert.Equal("i-new", data.AttachedTo);
        Assert.Equal("/dev/xvdz", data.Device);
        Assert.Equal(VolumeTags.Statuses.Attached, data.Tags[VolumeTags.Status]);
        Assert.Empty(again);
        Assert.Single(_ec2.Calls, c => c.StartsWith("AttachVolume", StringComparison.Ordinal));
        StepOutcome sweep = VolumeStep.Summarize((await mover.SweepAsync(CancellationToken.None)).Results, "none");
        Assert.Equal(StepStatus.NoOp, sweep.Status);
    }

    [Fact]
    public async Task Launch_BeforeTerminated_WaitsThenTerminatedCompletes()
    {
        (_, FakeVolume data) = Doomed();
        VolumeMover mover = Mover();
        await mover.PrepareAsync(Request(), CancellationToken.None);
        _ec2.AddInstance("i-new", ZoneA, launched: Warning.AddSeconds(30));

        IReadOnlyList<VolumeMoveResult> early = await mover.OnInstanceLaunchedAsync("web", "i-new", CancellationToken.None);
        Assert.Equal(StepStatus.Waiting, Assert.Single(early).Outcome.Status);
        Assert.Equal("i-doomed", data.AttachedTo);

        _ec2.Terminate("i-doomed");
        IReadOnlyList<VolumeMoveResult> done = await mover.OnInstanceStateChangeAsync("i-doomed", "terminated", CancellationToken.None);

        Assert.Equal(StepStatus.Done, Assert.Single(done).Outcome.Status);
        Assert.Equal("i-new", data.AttachedTo);
    }

    [Fact]
    public async Task Terminated_NoSuccessorYet_WaitsThenLaunchInZoneTakesIt()
    {
        (_, FakeVolume data) = Doomed();
        VolumeMover mover = await PreparedThenTerminatedAsync();

        IReadOnlyList<VolumeMoveResult> waiting = await mover.OnInstanceStateChangeAsync("i-doomed", "terminated", CancellationToken.None);
        Assert.Equal(StepStatus.Waiting, Assert.Single(waiting).Outcome.Status);
        VolumeSweepReport report = await mover.SweepAsync(CancellationToken.None);
        PendingVolume pending = Assert.Single(report.StillPending);
        Assert.Equal(data.Id, pending.VolumeId);
        Assert.Equal(TimeSpan.FromSeconds(5), pending.Age);
        Assert.Contains(_metrics.Records, r => r.Name == "PersistentVolumesPending" && r.Value == 1 && r.Dimensions?["Group"] == "web");

        _ec2.AddInstance("i-elsewhere", ZoneB, launched: Warning.AddSeconds(50));
        Assert.Empty(await mover.OnInstanceLaunchedAsync("web", "i-elsewhere", CancellationToken.None));
        _ec2.AddInstance("i-new", ZoneA, launched: Warning.AddSeconds(60));
        IReadOnlyList<VolumeMoveResult> done = await mover.OnInstanceLaunchedAsync("web", "i-new", CancellationToken.None);

        Assert.Equal(StepStatus.Done, Assert.Single(done).Outcome.Status);
        Assert.Equal("i-new", data.AttachedTo);
    }

    [Fact]
    public async Task Fallback_NewestGroupInstanceInZone_NeverOutsideGroupOrZone()
    {
        (_, FakeVolume data) = Doomed();
        _ec2.AddInstance("i-other-group", ZoneA, group: "api", launched: Warning.AddSeconds(90));
        _ec2.AddInstance("i-no-group", ZoneA, group: null, launched: Warning.AddSeconds(80));
        _ec2.AddInstance("i-other-zone", ZoneB, launched: Warning.AddSeconds(70));
        _ec2.AddInstance("i-old", ZoneA, launched: Warning.AddHours(-2));
        _ec2.AddInstance("i-young", ZoneA, launched: Warning.AddSeconds(20));
        _ec2.AddInstance("i-stopped", ZoneA, state: "stopped", launched: Warning.AddSeconds(60));
        VolumeMover mover = await PreparedThenTerminatedAsync();

        await mover.SweepAsync(CancellationToken.None);

        Assert.Equal("i-young", data.AttachedTo);
    }

    [Fact]
    public async Task Fallback_InstanceHoldingMigratedVolume_IsSkipped()
    {
        (_, FakeVolume data) = Doomed();
        _ec2.AddInstance("i-busy", ZoneA, launched: Warning.AddSeconds(50));
        FakeVolume earlier = _ec2.AddVolume(ZoneA, "i-busy", "/dev/xvdz");
        earlier.Tags[VolumeTags.Status] = VolumeTags.Statuses.Attached;
        _ec2.AddInstance("i-free", ZoneA, launched: Warning.AddSeconds(10));
        VolumeMover mover = await PreparedThenTerminatedAsync();

        await mover.OnInstanceStateChangeAsync("i-doomed", "terminated", CancellationToken.None);

        Assert.Equal("i-free", data.AttachedTo);
    }

    [Fact]
    public async Task StopInteruption_StoppedSource_DetachesThenAttaches()
    {
        (_, FakeVolume data) = Doomed();
        _ec2.AddInstance("i-new", ZoneA, launched: Warning.AddSeconds(30));
        VolumeMover mover = Mover();
        await mover.PrepareAsync(Request(successor: "i-new", action: "stop"), CancellationToken.None);
        Assert.DoesNotContain(_ec2.Calls, c => c.StartsWith("DetachVolume", StringComparison.Ordinal));

        _ec2.Stop("i-doomed");
        VolumeMoveResult result = Assert.Single(await mover.OnInstanceStateChangeAsync("i-doomed", "stopped", CancellationToken.None));

        Assert.Equal(StepStatus.Done, result.Outcome.Status);
        Assert.Contains($"DetachVolume {data.Id} i-doomed", _ec2.Calls);
        Assert.Equal("i-new", data.AttachedTo);
        Assert.Equal("/dev/xvdz", data.Device);
    }

    [Fact]
    public async Task Successor_FromLedgerLookup_IsUsedWhenNotOnTheVolume()
    {
        (_, FakeVolume data) = Doomed();
        _ec2.AddInstance("i-ledger", ZoneA, launched: Warning.AddSeconds(10));
        _ec2.AddInstance("i-newest", ZoneA, launched: Warning.AddSeconds(90));
        VolumeMover mover = await PreparedThenTerminatedAsync(mover: Mover(successors: new FixedSuccessor("i-ledger")));

        await mover.SweepAsync(CancellationToken.None);

        Assert.Equal("i-ledger", data.AttachedTo);
    }

    [Fact]
    public async Task AutoScaling_OnlyInServiceMembersAreCandidates()
    {
        (_, FakeVolume data) = Doomed();
        _ec2.AddInstance("i-detaching", ZoneA, launched: Warning.AddSeconds(90));
        _ec2.AddInstance("i-inservice", ZoneA, launched: Warning.AddSeconds(10));
        var groups = new FakeAutoScaling();
        groups.AddMembers("web", ("i-detaching", "Detaching"), ("i-inservice", "InService"));
        VolumeMover mover = await PreparedThenTerminatedAsync(mover: Mover(autoScaling: groups));

        await mover.SweepAsync(CancellationToken.None);

        Assert.Equal("i-inservice", data.AttachedTo);
    }

    [Fact]
    public async Task Step_Warning_RoutesToPrepare_AndGroupWithoutDeviceIsNoOp()
    {
        Doomed();
        var step = new VolumeStep(Mover(), _clock, NullLogger.Instance);

        StepOutcome none = await step.RunAsync(Request() with { Config = new GroupConfig { GroupName = "web" } }, CancellationToken.None);
        StepOutcome prepared = await step.RunAsync(Request(), CancellationToken.None);

        Assert.Equal(StepNames.Volume, step.Name);
        Assert.Equal(StepStatus.NoOp, none.Status);
        Assert.Equal(StepStatus.Waiting, prepared.Status);
    }

    [Fact]
    public async Task Advance_OutOfTime_ReturnsWaitingAndKeepsTheMoveOpen()
    {
        (_, FakeVolume data) = Doomed();
        VolumeMover mover = await PreparedThenTerminatedAsync();
        _ec2.AddInstance("i-new", ZoneA, launched: Warning.AddSeconds(30));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        VolumeMoveResult result = await mover.AdvanceAsync(data.Id, null, null, cancelled.Token);

        Assert.Equal(StepStatus.Waiting, result.Outcome.Status);
        Assert.Equal(VolumeTags.Statuses.Pending, data.Tags[VolumeTags.Status]);
        Assert.Equal(StepStatus.Done, (await mover.AdvanceAsync(data.Id, null, null, CancellationToken.None)).Outcome.Status);
    }

    [Fact]
    public void Port_HasNoDeleteAndNoForce_SoMaxGroupCannotLoseAVolume()
    {
        System.Reflection.MethodInfo[] methods = typeof(IVolumeApi).GetMethods();

        Assert.DoesNotContain(methods, m => m.Name.StartsWith("Delete", StringComparison.Ordinal));
        Assert.DoesNotContain(methods.SelectMany(m => m.GetParameters()), p => p.Name!.Contains("force", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("/dev/sdf", "/dev/xvdf", true)]
    [InlineData("/dev/xvdz", "xvdz", true)]
    [InlineData("/dev/sdf", "/dev/xvdz", false)]
    [InlineData("/dev/sda1", "/dev/xvda", false)]
    public void DeviceNames_Same_MatchesEc2Spellings(string a, string b, bool same) => Assert.Equal(same, DeviceNames.Same(a, b));
}
