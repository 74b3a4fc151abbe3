using MaxGroup.Core.Steps;
using MaxGroup.Core.Steps.Volume;

namespace MaxGroup.Integration.Tests.Lifecycle;

/// <summary>
/// A terminate lifecycle action of a managed group on moto, the dispatcher with its steps in-process: EC2, Auto Scaling
/// (DescribeLifecycleHooks from a hook put on moto) and the DynamoDB ledger are real peers. moto 5.2.1 answers
/// CompleteLifecycleAction and RecordLifecycleActionHeartbeat "not implemented", so the proxy in front of it gives them
/// AWS's documented semantics (<see cref="LifecycleActionEmulator"/>: token check, a heartbeat extends the action by the
/// heartbeat timeout, an action not kept alive times out, a second completion is refused); the test begins the action
/// as Auto Scaling would when the instance enters Terminating:Wait. The drain here is a stand-in step that runs for a
/// set time (the drain itself is tested against the Kubernetes simulator in Kubernetes/): what is under test is that
/// the action outlives it.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class LifecycleHookMotoTests(MotoFixture moto) : IAsyncLifetime
{
    private const string Group = "web";
    private const string Hook = "maxgroup-drain";
    private const string Token = "87654321-4321-4321-4321-210987654321";
    private readonly FakeConfigSource _configs = new("no configuration file and no spotmax: tags");
    private readonly TimedStep _drain = new(StepNames.Drain, TimeSpan.FromSeconds(9));
    private AwsFaultProxy _proxy = null!;
    private AwsClientFactory _factory = null!;
    private DispatcherWiring _composition = null!;
    private VolumeWiring _volume = null!;

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        _proxy = await AwsFaultProxy.StartAsync(moto.Endpoint);
        string endpoint = _proxy.Address.ToString().TrimEnd('/');
        _factory = AwsTestClients.EndpointFactory(endpoint, AwsTestClients.FastRetry());
        Dictionary<string, string> variables = new()
        {
            ["MAXGROUP_LEDGER_TABLE"] = "maxgroup-ledger",
            ["AWS_ENDPOINT_URL"] = endpoint,
        };
        await FunctionServices.EnsureLedgerTableAsync(_factory, variables.GetValueOrDefault, TimeProvider.System, CancellationToken.None);
        var services = new FunctionServices(
            _factory, _configs, variables.GetValueOrDefault, TimeProvider.System, NullLoggerFactory.Instance, NullMetrics.Instance, new InvocationOptions { Inline = true });
        _volume = new VolumeWiring(services);
        _composition = DispatcherWiring.Create(services, otherSteps: [_volume.Step, _drain, LifecycleWiring.CreateStep(services)]);
        var scene = new MotoScene(_factory);
        await scene.LaunchTemplateAsync("lt-web", "m5.large", dataVolumeDevice: "/dev/sdf");
        // One zone: the instance that stays is in the leaving one's zone, where the kept volume waits.
        await scene.GroupAsync(Group, "lt-web", min: 0, max: 3, desired: 2, zones: ["us-east-1a"]);
        // Heartbeat timeout 4 s (AWS's minimum is 30; moto takes any): the 9 s drain outlives it twice over.
        await scene.LifecycleHookAsync(Group, Hook, heartbeatTimeout: 4);
        _configs.Add(new GroupConfig { GroupName = Group, PersistenceDev = "/dev/sdf", K8sNodeDrainOption = true });
    }

    public async Task DisposeAsync()
    {
        _factory.Dispose();
        await _proxy.DisposeAsync();
    }

    [Fact]
    public async Task ScaleIn_DrainLongerThanTheHeartbeatTimeout_KeptAliveVolumeKeptHookCompletedOnce()
    {
        string leaving = (await _factory.AutoScaling.DescribeAutoScalingGroupsAsync([Group], CancellationToken.None)).Single().Instances[0].InstanceId;
        _proxy.LifecycleActions.Begin(Group, Hook, leaving, Token, TimeSpan.FromSeconds(4));

        DispatchResult result = await _composition.Dispatcher.DispatchAsync(LifecycleEvent(leaving, "ev-hook-1"), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, result.Status);
        Assert.Equal(["volume", "drain", "lifecycle"], result.Steps);
        Assert.Equal(1, _drain.Runs);
        IReadOnlyList<EmulatedLifecycleCall> calls = _proxy.LifecycleActions.Calls;
        Assert.All(calls, c => Assert.True(c.Accepted, $"{c.Action} at {c.At:O} was refused"));
        Assert.True(calls.Count(c => c.Action == "RecordLifecycleActionHeartbeat") >= 2, string.Join(", ", calls.Select(c => c.Action)));
        EmulatedLifecycleCall completion = Assert.Single(calls, c => c.Action == "CompleteLifecycleAction");
        Assert.Equal(("CONTINUE", Token), (completion.Result, completion.Token));
        Assert.False(_proxy.LifecycleActions.TimedOut(leaving));

        InterruptionRecord record = (await _composition.Ledger.GetAsync(leaving, CancellationToken.None))!;
        Assert.Equal(HandoverTrigger.LifecycleHook, record.Trigger);
        Assert.Equal(Token, record.LifecycleHook!.Token);
        Assert.Equal(StepStatus.Done, record.FindStep("lifecycle")!.Status);
        Assert.Null(record.FindStep("replace"));
        // The data volume is kept for the group's next instance in its zone (the orphan path), never deleted.
        Amazon.EC2.Model.Instance instance = Assert.Single(await new MotoScene(_factory).InstancesAsync(leaving));
        Amazon.EC2.Model.InstanceBlockDeviceMapping data = Assert.Single(instance.BlockDeviceMappings, m => m.DeviceName == "/dev/sdf");
        Assert.False(data.Ebs.DeleteOnTermination);
        Assert.Equal(record.VolumeId, data.Ebs.VolumeId);
    }

    [Fact]
    public async Task ScaleIn_Terminated_VolumeKeptPendingNotAttachedToTheOtherMemberOfItsZone()
    {
        IReadOnlyList<AutoScalingInstanceInfo> members = (await _factory.AutoScaling.DescribeAutoScalingGroupsAsync([Group], CancellationToken.None)).Single().Instances;
        (string leaving, string staying) = (members[0].InstanceId, members[1].InstanceId);
        // Launch times and the interruption-time tag are whole seconds, and a launch in the hook's own second counts as
        // after it: the member that stays must have run for a second of its own before the scale-in.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        _proxy.LifecycleActions.Begin(Group, Hook, leaving, Token, TimeSpan.FromSeconds(4));
        await _composition.Dispatcher.DispatchAsync(LifecycleEvent(leaving, "ev-hook-1"), CancellationToken.None);
        var scene = new MotoScene(_factory);
        // The completed hook lets the scale-in end: the instance terminates, desired one lower, nothing launched.
        await _factory.AutoScaling.TerminateInstanceInAutoScalingGroupAsync(leaving, shouldDecrementDesiredCapacity: true, CancellationToken.None);

        await _volume.Triggers.OnInstanceStateChangeAsync(TerminatedEvent(leaving), CancellationToken.None);

        InterruptionRecord record = (await _composition.Ledger.GetAsync(leaving, CancellationToken.None))!;
        Amazon.EC2.Model.Volume volume = Assert.Single((await _factory.Ec2.DescribeVolumesAsync(new Amazon.EC2.Model.DescribeVolumesRequest { VolumeIds = [record.VolumeId!] })).Volumes);
        StepRecord? step = record.FindStep(StepNames.Volume);
        string seen = $"{volume.State.Value} on [{string.Join(", ", (volume.Attachments ?? []).Select(a => $"{a.InstanceId} {a.Device}"))}] (staying {staying}, leaving {leaving}): {step?.Status} {step?.Reason}";
        Assert.True(volume.State.Value == "available" && (volume.Attachments ?? []).Count == 0, seen);
        Assert.Equal("pending", volume.Tags.Single(t => t.Key == VolumeTags.Status).Value);
        Amazon.EC2.Model.Instance other = Assert.Single(await scene.InstancesAsync(staying));
        Assert.Equal("us-east-1a", other.Placement.AvailabilityZone);
        Assert.DoesNotContain(other.BlockDeviceMappings, m => m.DeviceName == "/dev/xvdz" || m.Ebs.VolumeId == record.VolumeId);
        Assert.Equal(StepStatus.Waiting, step?.Status);
        Assert.Contains($"{staying} was launched at", step?.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LifecycleEventDeliveredAgain_IsInert()
    {
        string leaving = (await _factory.AutoScaling.DescribeAutoScalingGroupsAsync([Group], CancellationToken.None)).Single().Instances[0].InstanceId;
        _proxy.LifecycleActions.Begin(Group, Hook, leaving, Token, TimeSpan.FromSeconds(4));
        await _composition.Dispatcher.DispatchAsync(LifecycleEvent(leaving, "ev-hook-1"), CancellationToken.None);

        DispatchResult replay = await _composition.Dispatcher.DispatchAsync(LifecycleEvent(leaving, "ev-hook-1"), CancellationToken.None);
        DispatchResult redelivery = await _composition.Dispatcher.DispatchAsync(LifecycleEvent(leaving, "ev-hook-2"), CancellationToken.None);

        Assert.Equal((DispatchStatus.Duplicate, DispatchStatus.Duplicate), (replay.Status, redelivery.Status));
        Assert.Equal(1, _drain.Runs);
        Assert.Single(_proxy.LifecycleActions.Calls, c => c.Action == "CompleteLifecycleAction");
    }

    private static MaxGroupEvent LifecycleEvent(string instanceId, string eventId) => EventParser.Parse($$$"""
        {"version":"0","id":"{{{eventId}}}","detail-type":"EC2 Instance-terminate Lifecycle Action","source":"aws.autoscaling",
         "account":"123456789012","time":"{{{DateTimeOffset.UtcNow.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}}}","region":"us-east-1","resources":[],
         "detail":{"LifecycleActionToken":"{{{Token}}}","AutoScalingGroupName":"{{{Group}}}","LifecycleHookName":"{{{Hook}}}",
                   "EC2InstanceId":"{{{instanceId}}}","LifecycleTransition":"autoscaling:EC2_INSTANCE_TERMINATING"}}
        """);

    private static MaxGroupEvent.InstanceStateChange TerminatedEvent(string instanceId) => new(new EventBridgeEvent<InstanceStateChangeDetail>
    {
        Id = "ev-terminated",
        DetailType = DetailTypes.InstanceStateChange,
        Source = "aws.ec2",
        Time = DateTimeOffset.UtcNow,
        Detail = new InstanceStateChangeDetail(instanceId, "terminated"),
    });

    /// <summary>A step that takes <paramref name="duration"/> of real time and counts its runs.</summary>
    private sealed class TimedStep(string name, TimeSpan duration) : IRemediationStep
    {
        private int _runs;

        public int Runs => _runs;

        public string Name { get; } = name;

        public bool EndsAtReclaim(RemediationRequest request) => true;

        public async Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            await Task.Delay(duration, cancellationToken);
            return StepOutcome.Done($"ran {duration.TotalSeconds:0} s");
        }
    }
}
