using MaxGroup.Core.Runner;
using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Steps.Volume;
using MaxGroup.Core.Tests.Volume;

namespace MaxGroup.Core.Tests.Dispatch;

/// <summary>
/// A function that dies halfway loses nothing: the data volume is kept before the hand-over is even recorded, and a
/// hand-over whose run died is resumed by a redelivery, a state change or the sweep, without anyone delivering again.
/// </summary>
public sealed class HandoverResumeTests
{
    private const string Id = "i-0dead00000000000a";
    private readonly FakeTimeProvider _clock = new(Samples.WarningTime + TimeSpan.FromSeconds(3));
    private readonly FakeVolumeApi _ec2 = new();
    private readonly FakeConfigSource _configs = new();
    private readonly ObservedLedger _ledger = new(new InMemoryLedger());
    private readonly RecordingInvoker _invoker = new();
    private readonly RecordingVolumeTriggers _volume = new();
    private readonly RecordingMetrics _metrics = new();
    private readonly FakeVolume _data;

    public HandoverResumeTests()
    {
        _ec2.AddInstance(Id, "us-east-1a");
        _ec2.AddVolume("us-east-1a", Id, "/dev/xvda");
        _data = _ec2.AddVolume("us-east-1a", Id, "/dev/sdf");
        _configs.Add(new GroupConfig { GroupName = "web", PersistenceDev = "/dev/sdf" });
    }

    [Fact]
    public async Task Warning_GroupWithDataVolume_KeepsTheVolumeBeforeTheBeginAndRecordsIt()
    {
        int changesAtBegin = -1;
        _ledger.BeforeBegin = () => changesAtBegin = _ec2.Calls.Count;

        DispatchResult result = await Dispatcher().DispatchAsync(Samples.Warning(Id), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, result.Status);
        // The first and only change before the begin: a crash anywhere after it cannot lose the volume.
        Assert.Equal(1, changesAtBegin);
        Assert.Equal($"ModifyInstanceAttribute {Id} /dev/sdf False", _ec2.Calls[0]);
        Assert.False(_ec2.Instances[Id].Devices["/dev/sdf"].DeleteOnTermination);
        Assert.Equal(_data.Id, (await _ledger.GetAsync(Id, CancellationToken.None))!.VolumeId);
        Assert.All(_invoker.Started, r => Assert.Equal(_data.Id, r.DataVolumeId));
        _ec2.Terminate(Id);
        Assert.True(_ec2.Volumes.ContainsKey(_data.Id));
    }

    [Fact]
    public async Task Warning_VolumeAlreadyKeptOrDryRun_ChangesNothingBeforeTheBegin()
    {
        _ec2.Instances[Id].Devices["/dev/sdf"] = (_data.Id, false);
        await Dispatcher().DispatchAsync(Samples.Warning(Id), CancellationToken.None);
        _ec2.AddInstance("i-0d000000000000001", "us-east-1a");
        _ec2.AddVolume("us-east-1a", "i-0d000000000000001", "/dev/sdf");

        await Dispatcher(new DispatcherOptions { ForceDryRun = true }).DispatchAsync(Samples.Warning("i-0d000000000000001", "ev-dry"), CancellationToken.None);

        Assert.DoesNotContain(_ec2.Calls, c => c.StartsWith("ModifyInstanceAttribute", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StateChange_HandoverWhoseRunDied_ResumesItsStalledSteps()
    {
        await Dispatcher().DispatchAsync(Samples.Warning(Id), CancellationToken.None);
        int started = _invoker.Started.Count;
        _clock.Advance(StepLeases.Lease + TimeSpan.FromSeconds(1));
        _ec2.Terminate(Id);

        DispatchResult result = await Dispatcher().DispatchAsync(StateChange(Id, "terminated"), CancellationToken.None);

        Assert.Equal(DispatchStatus.Routed, result.Status);
        RemediationRequest[] resumed = [.. _invoker.Started.Skip(started)];
        Assert.Equal(["replace", "volume"], resumed.Select(r => r.Step).Order());
        Assert.All(resumed, r => Assert.True(r.Resume));
        Assert.All(resumed, r => Assert.Equal(_data.Id, r.DataVolumeId));
        Assert.Single(_volume.Received);
    }

    [Fact]
    public async Task StateChange_HandoverRunningWithinItsLease_ResumesNothing()
    {
        await Dispatcher().DispatchAsync(Samples.Warning(Id), CancellationToken.None);
        int started = _invoker.Started.Count;

        await Dispatcher().DispatchAsync(StateChange(Id, "stopped"), CancellationToken.None);

        Assert.Equal(started, _invoker.Started.Count);
    }

    [Fact]
    public async Task Sweep_StalledAndLiveHandovers_ResumesOnlyTheStalledOne()
    {
        _ec2.AddInstance("i-0a1ce000000000000", "us-east-1a");
        Dispatcher dispatcher = Dispatcher();
        await dispatcher.DispatchAsync(Samples.Warning(Id), CancellationToken.None);
        _clock.Advance(StepLeases.Lease + TimeSpan.FromSeconds(1));
        await dispatcher.DispatchAsync(Samples.Warning("i-0a1ce000000000000", "ev-live", time: _clock.GetUtcNow()), CancellationToken.None);
        int started = _invoker.Started.Count;

        DispatchResult result = await dispatcher.DispatchAsync(Sweep(), CancellationToken.None);

        Assert.Contains($"Resumed stalled hand-overs: {Id}.", result.Reason, StringComparison.Ordinal);
        Assert.All(_invoker.Started.Skip(started), r => Assert.Equal(Id, r.Instance.InstanceId));
        Assert.Equal(2, _invoker.Started.Count - started);
        Assert.Equal(1, _metrics.Count("HandoversResumed"));
    }

    [Fact]
    public async Task Sweep_Watching_ResumesAHandoverThatStallsDuringTheWatch()
    {
        Dispatcher dispatcher = Dispatcher(new DispatcherOptions { SweepWatch = TimeSpan.FromSeconds(30) });
        await dispatcher.DispatchAsync(Samples.Warning(Id), CancellationToken.None);
        int started = _invoker.Started.Count;

        // The hand-over is within its lease when the sweep starts; its run dies and the lease lapses while it watches.
        Task<DispatchResult> sweep = dispatcher.DispatchAsync(Sweep(), CancellationToken.None);
        for (int second = 0; second < 60 && !sweep.IsCompleted; second++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(2);
        }

        DispatchResult result = await sweep.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains($"Resumed stalled hand-overs: {Id}.", result.Reason, StringComparison.Ordinal);
        Assert.Equal(["replace", "volume"], _invoker.Started.Skip(started).Select(r => r.Step).Order());
        Assert.All(_invoker.Started.Skip(started), r => Assert.True(r.Resume));
    }

    [Fact]
    public async Task Resume_InstanceGone_VolumeStepFindsTheKeptVolumeByTheLedgersId()
    {
        // The dispatcher kept the volume and recorded it, then died; the instance is gone when the resume comes.
        await Dispatcher().DispatchAsync(Samples.Warning(Id), CancellationToken.None);
        _ec2.Terminate(Id);
        RemediationRequest resume = _invoker.Started.Single(r => r.Step == "volume") with
        {
            Instance = _ec2.Instances[Id].ToFacts(),
            Resume = true,
        };
        var mover = new VolumeMover(_ec2, _clock, NullLogger.Instance, options: new VolumeMoverOptions { MaxWait = TimeSpan.Zero });

        StepOutcome outcome = await new VolumeStep(mover, _clock, NullLogger.Instance).RunAsync(resume, CancellationToken.None);

        Assert.NotEqual(StepStatus.Failed, outcome.Status);
        Assert.Equal(VolumeTags.Statuses.Pending, _data.Tags[VolumeTags.Status]);
        Assert.Equal(Id, _data.Tags[VolumeTags.SourceInstance]);
        Assert.Equal("/dev/sdf", _data.Tags[VolumeTags.SourceDevice]);
    }

    [Fact]
    public async Task VolumeStep_ThrottledBeforeItsTag_StaysOpenAndTheSweepResumesItUntilTheVolumeIsTagged()
    {
        await Dispatcher().DispatchAsync(Samples.Warning(Id), CancellationToken.None);
        RemediationRequest volume = _invoker.Started.Single(r => r.Step == "volume");
        var mover = new VolumeMover(_ec2, _clock, NullLogger.Instance, options: new VolumeMoverOptions { MaxWait = TimeSpan.Zero });
        var runner = new RemediationRunner(_ledger, _clock, _metrics, NullLogger.Instance);
        for (int i = 0; i < 10; i++)
        {
            _ec2.DescribeInstanceFaults.Enqueue(new RemoteApiException("ec2", "RequestLimitExceeded", "Request limit exceeded.", 503));
        }

        // Every try of this run is throttled before the tag: the run ends, the move is known only to the ledger.
        Task<StepOutcome> throttled = runner.RunAsync(new VolumeStep(mover, _clock, NullLogger.Instance), volume, CancellationToken.None);
        for (int i = 0; i < 200 && !throttled.IsCompleted; i++)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Delay(1);
        }

        Assert.Equal(StepStatus.Pending, (await throttled.WaitAsync(TimeSpan.FromSeconds(10))).Status);
        Assert.False(_data.Tags.ContainsKey(VolumeTags.Status));
        InterruptionRecord open = (await _ledger.GetAsync(Id, CancellationToken.None))!;
        Assert.Equal(InterruptionStatus.Active, open.Status);
        Assert.Equal(StepStatus.Pending, open.FindStep("volume")!.Status);

        // The sweep after a lease finds the step stalled and starts it again; that run tags the kept volume.
        _clock.Advance(StepLeases.Lease);
        _ec2.DescribeInstanceFaults.Clear();
        int started = _invoker.Started.Count;
        DispatchResult sweep = await Dispatcher().DispatchAsync(Sweep(), CancellationToken.None);
        RemediationRequest resumed = _invoker.Started.Skip(started).Single(r => r.Step == "volume");
        StepOutcome outcome = await runner.RunAsync(new VolumeStep(mover, _clock, NullLogger.Instance), resumed, CancellationToken.None);

        Assert.Contains($"Resumed stalled hand-overs: {Id}.", sweep.Reason, StringComparison.Ordinal);
        Assert.True(resumed.Resume);
        Assert.Equal(StepStatus.Waiting, outcome.Status);
        Assert.Equal(VolumeTags.Statuses.Pending, _data.Tags[VolumeTags.Status]);
        Assert.Equal(Id, _data.Tags[VolumeTags.SourceInstance]);
        Assert.False(_ec2.Instances[Id].Devices["/dev/sdf"].DeleteOnTermination);
    }

    private Dispatcher Dispatcher(DispatcherOptions? options = null) =>
        new(new Ec2Inventory(_ec2), _configs, _ledger, _invoker, _volume, options ?? new DispatcherOptions(), _clock, _metrics, NullLogger.Instance)
        {
            VolumeGuard = new DataVolumeGuard(_ec2, NullLogger.Instance),
        };

    private static MaxGroupEvent.InstanceStateChange StateChange(string instanceId, string state) =>
        (MaxGroupEvent.InstanceStateChange)EventParser.Parse($$$"""
            {"version":"0","id":"sc-1","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"123456789012",
             "time":"2026-11-24T08:16:21Z","region":"us-east-1","resources":[],"detail":{"instance-id":"{{{instanceId}}}","state":"{{{state}}}"}}
            """);

    private static MaxGroupEvent.Scheduled Sweep() =>
        (MaxGroupEvent.Scheduled)EventParser.Parse("""
            {"version":"0","id":"sweep-1","detail-type":"Scheduled Event","source":"aws.events","time":"2026-11-24T08:15:00Z","detail":{}}
            """);

    /// <summary>The fake EC2's instances as the dispatcher's inventory, in the group "web" with their block devices.</summary>
    private sealed class Ec2Inventory(FakeVolumeApi ec2) : IInstanceInventory
    {
        public async Task<InstanceFacts?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken) =>
            await ec2.DescribeInstanceAsync(instanceId, cancellationToken) is { } facts
                ? facts with { LaunchTemplate = new LaunchTemplateRef("lt-1", null, "1"), Lifecycle = "spot", SubnetId = "subnet-a" }
                : null;
    }
}
