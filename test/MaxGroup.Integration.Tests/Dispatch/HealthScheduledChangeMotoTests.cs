using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using MaxGroup.Integration.Tests.Runtime;

namespace MaxGroup.Integration.Tests.Dispatch;

/// <summary>
/// An AWS Health scheduled retirement on moto, the dispatcher with its steps in-process (`--inline`): EC2, Auto Scaling
/// and the DynamoDB ledger are real peers; the event is the real-shaped sample in events/ with the group's instance in
/// it. The hand-over runs at once, two weeks before the start (successor launched and attached, the retiring instance
/// terminated in its group with decrement), and a redelivery or an update of the event does nothing twice.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class HealthScheduledChangeMotoTests(MotoFixture moto) : IAsyncLifetime, IDisposable
{
    private const string Group = "web";
    // An affected entity no longer in the account: the event's other instances are handed over all the same.
    private const string Unknown = "i-0fffffffffffffff0";
    private readonly AwsClientFactory _factory = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
    private readonly FakeConfigSource _configs = new("no configuration file and no spotmax: tags");
    private DispatcherWiring _composition = null!;
    private FunctionServices _services = null!;

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        Dictionary<string, string> variables = new()
        {
            ["MAXGROUP_LEDGER_TABLE"] = "maxgroup-ledger",
            ["AWS_ENDPOINT_URL"] = moto.Endpoint,
        };
        await FunctionServices.EnsureLedgerTableAsync(_factory, variables.GetValueOrDefault, TimeProvider.System, CancellationToken.None);
        _services = new FunctionServices(
            _factory, _configs, variables.GetValueOrDefault, TimeProvider.System, NullLoggerFactory.Instance, NullMetrics.Instance, new InvocationOptions { Inline = true });
        _composition = DispatcherWiring.Create(_services);
        var scene = new MotoScene(_factory);
        await scene.LaunchTemplateAsync("lt-web", "m5.large");
        await scene.GroupAsync(Group, "lt-web", min: 1, max: 4, desired: 2);
        _configs.Add(new GroupConfig { GroupName = Group, ReplacementStrategy = ReplacementStrategy.Launch, DetachingDelaySeconds = 0 });
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Retirement_InstanceOfManagedGroup_OneSuccessorAttachedOldTerminatedBeforeTheStart()
    {
        AutoScalingGroupInfo before = await DescribeGroupAsync();
        string retiring = before.Instances[0].InstanceId;
        IReadOnlyList<string> instancesBefore = await new MotoScene(_factory).InstanceIdsAsync();
        DateTimeOffset start = DateTimeOffset.UtcNow.AddDays(14);

        DispatchResult result = await _composition.Dispatcher.DispatchAsync(HealthEvent("ev-health-1", start, retiring, Unknown), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, result.Status);
        Assert.Contains($"{Unknown}: noop: instance not found", result.Reason, StringComparison.Ordinal);
        InterruptionRecord record = (await _composition.Ledger.GetAsync(retiring, CancellationToken.None))!;
        Assert.Equal(HandoverTrigger.HealthScheduledChange, record.Trigger);
        Assert.Equal("retire", record.InstanceAction);
        Assert.Equal(start.ToUnixTimeSeconds(), record.ReclaimAt.ToUnixTimeSeconds());
        Assert.Equal(StepStatus.Done, record.FindStep("replace")!.Status);
        string successor = record.SuccessorInstanceId!;
        Assert.Equal([successor], (await new MotoScene(_factory).InstanceIdsAsync()).Except(instancesBefore));
        AutoScalingGroupInfo after = await DescribeGroupAsync();
        Assert.DoesNotContain(after.Instances, i => i.InstanceId == retiring);
        Assert.Contains(after.Instances, i => i.InstanceId == successor);
        Assert.Equal((before.DesiredCapacity, before.MaxSize, 2), (after.DesiredCapacity, after.MaxSize, after.Instances.Count));
        Instance successorInstance = Assert.Single(await new MotoScene(_factory).InstancesAsync(successor));
        Assert.Equal(retiring, successorInstance.Tags.Single(t => t.Key == "spotmax:replaces").Value);
        // A retirement leaves terminated (TerminateInstanceInAutoScalingGroup with decrement), days before the start.
        Instance retired = Assert.Single(await new MotoScene(_factory).InstancesAsync(retiring));
        Assert.Contains(retired.State.Name.Value, new[] { "shutting-down", "terminated" });
        Assert.Equal(retiring, record.FindStep("replace")!.Details["terminated"]);
        Assert.Null(await _composition.Ledger.GetAsync(Unknown, CancellationToken.None));
    }

    [Fact]
    public async Task Retirement_RedeliveredAndUpdated_NothingTwice()
    {
        string retiring = (await DescribeGroupAsync()).Instances[0].InstanceId;
        DateTimeOffset start = DateTimeOffset.UtcNow.AddDays(14);
        await _composition.Dispatcher.DispatchAsync(HealthEvent("ev-health-1", start, retiring), CancellationToken.None);
        IReadOnlyList<string> instancesAfterFirst = await new MotoScene(_factory).InstanceIdsAsync();
        AutoScalingGroupInfo groupAfterFirst = await DescribeGroupAsync();

        DispatchResult replay = await _composition.Dispatcher.DispatchAsync(HealthEvent("ev-health-1", start, retiring), CancellationToken.None);
        // AWS Health updates an event under a new EventBridge id (same eventArn).
        DispatchResult update = await _composition.Dispatcher.DispatchAsync(HealthEvent("ev-health-2", start, retiring), CancellationToken.None);

        Assert.Equal((DispatchStatus.Duplicate, DispatchStatus.Duplicate), (replay.Status, update.Status));
        Assert.Equal(instancesAfterFirst, await new MotoScene(_factory).InstanceIdsAsync());
        AutoScalingGroupInfo groupAfter = await DescribeGroupAsync();
        Assert.Equal(groupAfterFirst.Instances.Select(i => i.InstanceId).Order(), groupAfter.Instances.Select(i => i.InstanceId).Order());
        Assert.Equal(groupAfterFirst.DesiredCapacity, groupAfter.DesiredCapacity);
        Assert.Equal(["ev-health-1", "ev-health-2"], (await _composition.Ledger.GetAsync(retiring, CancellationToken.None))!.EventIds);
    }

    [Fact]
    public async Task Retirement_GroupWithDataVolume_VolumeOnTheSuccessorOnceTheRetiredInstanceIsGone()
    {
        const string DataGroup = "data";
        var scene = new MotoScene(_factory);
        await scene.LaunchTemplateAsync("lt-data", "m5.large", dataVolumeDevice: "/dev/sdf");
        await scene.GroupAsync(DataGroup, "lt-data", min: 1, max: 3, desired: 1, zones: ["us-east-1a"]);
        _configs.Add(new GroupConfig { GroupName = DataGroup, ReplacementStrategy = ReplacementStrategy.Launch, DetachingDelaySeconds = 0, PersistenceDev = "/dev/sdf" });
        var volume = new VolumeWiring(_services);
        DispatcherWiring composition = DispatcherWiring.Create(_services, volume.Triggers, otherSteps: [volume.Step]);
        string retiring = Assert.Single((await _factory.AutoScaling.DescribeAutoScalingGroupsAsync([DataGroup], CancellationToken.None))[0].Instances).InstanceId;
        string volumeId = Assert.Single(await scene.InstancesAsync(retiring)).BlockDeviceMappings.Single(m => m.DeviceName == "/dev/sdf").Ebs.VolumeId;

        DispatchResult result = await composition.Dispatcher.DispatchAsync(HealthEvent("ev-health-data", DateTimeOffset.UtcNow.AddDays(14), retiring), CancellationToken.None);
        // EventBridge's state change of the terminated instance: the volume triggers finish the move.
        await composition.Dispatcher.DispatchAsync(EventParser.Parse(File.ReadAllText(RepositoryPaths.Event("ec2-instance-state-change-terminated.json"))
            .Replace("i-0b662ef9931388ba0", retiring, StringComparison.Ordinal)), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, result.Status);
        InterruptionRecord record = (await composition.Ledger.GetAsync(retiring, CancellationToken.None))!;
        Assert.Equal(retiring, record.FindStep("replace")!.Details["terminated"]);
        string successor = record.SuccessorInstanceId!;
        Assert.Equal([successor], (await _factory.AutoScaling.DescribeAutoScalingGroupsAsync([DataGroup], CancellationToken.None))[0].Instances.Select(i => i.InstanceId));
        Amazon.EC2.Model.Volume moved = Assert.Single((await _factory.Ec2.DescribeVolumesAsync(new DescribeVolumesRequest { VolumeIds = [volumeId] })).Volumes);
        VolumeAttachment attachment = Assert.Single(moved.Attachments);
        Assert.Equal((successor, "/dev/xvdz"), (attachment.InstanceId, attachment.Device));
    }

    /// <summary>The real-shaped sample with <paramref name="instanceIds"/> as its affected entities, sent now, starting at <paramref name="start"/>.</summary>
    private static MaxGroupEvent HealthEvent(string eventId, DateTimeOffset start, params string[] instanceIds)
    {
        JsonObject json = JsonNode.Parse(File.ReadAllText(RepositoryPaths.Event("aws-health-ec2-instance-retirement-scheduled.json")))!.AsObject();
        json["id"] = eventId;
        json["time"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        json["resources"] = new JsonArray([.. instanceIds.Select(id => JsonValue.Create(id))]);
        JsonObject detail = json["detail"]!.AsObject();
        detail["startTime"] = start.ToString("r", CultureInfo.InvariantCulture);
        detail["affectedEntities"] = new JsonArray([.. instanceIds.Select(id => new JsonObject { ["entityValue"] = id })]);
        return EventParser.Parse(json.ToJsonString());
    }

    private async Task<AutoScalingGroupInfo> DescribeGroupAsync() =>
        Assert.Single(await _factory.AutoScaling.DescribeAutoScalingGroupsAsync([Group], CancellationToken.None));
}
