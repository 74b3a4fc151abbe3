using Amazon.DynamoDBv2.Model;
using Amazon.EC2.Model;
using MaxGroup.Integration.Tests.Dispatch;

namespace MaxGroup.Integration.Tests.Rebalance;

/// <summary>
/// Pre-warm on rebalance recommendations end to end on moto, steps in-process: the dispatcher launches the successor
/// (EC2), records it (DynamoDB ledger table), and a later warning's replace step adopts it. Every AWS call passes
/// through a recording proxy, so RunInstances and group changes are counted as AWS saw them.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class RebalanceMotoTests(MotoFixture moto) : IAsyncLifetime
{
    private const string Group = "web";
    private const string Table = "maxgroup-ledger";
    private static readonly string[] GroupChanges = ["AttachInstances", "DetachInstances", "UpdateAutoScalingGroup", "SetDesiredCapacity", "TerminateInstanceInAutoScalingGroup"];
    private readonly FakeConfigSource _configs = new("no configuration file and no spotmax: tags");
    private readonly RecordingMetrics _metrics = new();
    private AwsFaultProxy _proxy = null!;
    private AwsClientFactory _factory = null!;
    private DispatcherWiring _composition = null!;

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        _proxy = await AwsFaultProxy.StartAsync(moto.Endpoint);
        _factory = AwsTestClients.EndpointFactory(_proxy.Endpoint, AwsTestClients.FastRetry());
        Dictionary<string, string> variables = new()
        {
            ["MAXGROUP_LEDGER_TABLE"] = Table,
            ["AWS_ENDPOINT_URL"] = _proxy.Endpoint,
        };
        await FunctionServices.EnsureLedgerTableAsync(_factory, variables.GetValueOrDefault, TimeProvider.System, CancellationToken.None);
        _composition = DispatcherWiring.Create(new FunctionServices(
            _factory, _configs, variables.GetValueOrDefault, TimeProvider.System, NullLoggerFactory.Instance, _metrics, new InvocationOptions { Inline = true }));
        await new MotoScene(_factory).LaunchTemplateAsync("lt-web", "m5.large");
        await new MotoScene(_factory).GroupAsync(Group, "lt-web", 2, 2, 2, tags: [("team", "blue", true)]);
        _proxy.ClearCalls();
    }

    public async Task DisposeAsync()
    {
        _factory.Dispose();
        await _proxy.DisposeAsync();
    }

    [Fact]
    public async Task Rebalance_FlaggedGroup_SuccessorLaunchedTaggedRecordedGroupUntouched()
    {
        _configs.Add(Flagged());
        AutoScalingGroupInfo before = await DescribeGroupAsync();
        string atRisk = before.Instances[0].InstanceId;
        Instance atRiskInstance = await DescribeInstanceAsync(atRisk);

        string output = await _composition.Handler().HandleAsync(RebalanceJson(atRisk, "rb-1"), new TestLambdaContext(), CancellationToken.None);

        using (JsonDocument result = JsonDocument.Parse(output))
        {
            Assert.Equal("Started", result.RootElement.GetProperty("status").GetString());
        }

        PrewarmRecord record = (await _composition.Prewarms.GetAsync(atRisk, DateTimeOffset.UtcNow, CancellationToken.None))!;
        Assert.Equal(PrewarmStatus.Launched, record.Status);
        Instance successor = await DescribeInstanceAsync(record.SuccessorInstanceId!);
        Dictionary<string, string> tags = successor.Tags.ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal(atRisk, tags["spotmax:replaces"]);
        Assert.Equal(Group, tags["spotmax:group"]);
        Assert.Equal("blue", tags["team"]);
        Assert.True(DateTimeOffset.Parse(tags[PrewarmTags.KeepUntil], CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow.AddMinutes(50));
        Assert.Equal(atRiskInstance.SubnetId, successor.SubnetId);
        Assert.Equal(atRiskInstance.Placement.AvailabilityZone, successor.Placement.AvailabilityZone);

        // Pre-warm only: outside the group, no capacity change, no interruption started (no drain, no Consul, no detach).
        AutoScalingGroupInfo after = await DescribeGroupAsync();
        Assert.DoesNotContain(after.Instances, i => i.InstanceId == successor.InstanceId);
        Assert.Equal((before.MinSize, before.MaxSize, before.DesiredCapacity), (after.MinSize, after.MaxSize, after.DesiredCapacity));
        Assert.DoesNotContain(_proxy.Calls, c => GroupChanges.Contains(c.Action) || c.Service == "lambda");
        Assert.Null(await _composition.Ledger.GetAsync(atRisk, CancellationToken.None));
        Assert.Equal(1, _metrics.Count("PrewarmsStarted"));

        // The record is its own kind in the table, with the TTL attribute, and stays out of the interruption history.
        GetItemResponse item = await _factory.DynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = Table,
            Key = new() { ["instance_id"] = new AttributeValue { S = "prewarm#" + atRisk } },
        });
        Assert.Equal("prewarm", item.Item["kind"].S);
        Assert.False(string.IsNullOrEmpty(item.Item["expires_at"].N));
        Assert.Empty(await _composition.Ledger.ListRecentAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task Rebalance_DuplicateDelivery_OneRunInstances()
    {
        _configs.Add(Flagged());
        string atRisk = (await DescribeGroupAsync()).Instances[0].InstanceId;

        DispatchResult first = await DispatchAsync(RebalanceJson(atRisk, "rb-1"));
        DispatchResult second = await DispatchAsync(RebalanceJson(atRisk, "rb-2"));

        Assert.Equal(DispatchStatus.Started, first.Status);
        Assert.Equal(DispatchStatus.Duplicate, second.Status);
        Assert.Single(_proxy.Calls, c => c.Action is "RunInstances" or "CreateFleet");
        Assert.Equal(3, (await AllInstanceIdsAsync()).Count);
    }

    [Fact]
    public async Task RebalanceThenWarning_ReplaceReusesThePrewarmedSuccessor_OneRunInstancesInTotal()
    {
        _configs.Add(Flagged());
        AutoScalingGroupInfo before = await DescribeGroupAsync();
        string atRisk = before.Instances[0].InstanceId;
        await DispatchAsync(RebalanceJson(atRisk, "rb-1"));
        string prewarmed = (await _composition.Prewarms.GetAsync(atRisk, DateTimeOffset.UtcNow, CancellationToken.None))!.SuccessorInstanceId!;

        DispatchResult warning = await DispatchAsync(WarningJson(atRisk, "ev-1"));

        Assert.Equal(DispatchStatus.Started, warning.Status);
        Assert.Single(_proxy.Calls, c => c.Action is "RunInstances" or "CreateFleet");
        Assert.Equal(3, (await AllInstanceIdsAsync()).Count);
        InterruptionRecord interruption = (await _composition.Ledger.GetAsync(atRisk, CancellationToken.None))!;
        Assert.Equal(prewarmed, interruption.SuccessorInstanceId);
        Assert.Equal(InterruptionStatus.Done, interruption.Status);
        AutoScalingGroupInfo after = await DescribeGroupAsync();
        Assert.Contains(after.Instances, i => i.InstanceId == prewarmed);
        Assert.DoesNotContain(after.Instances, i => i.InstanceId == atRisk);
        Assert.Equal((before.MinSize, before.MaxSize, before.DesiredCapacity), (after.MinSize, after.MaxSize, after.DesiredCapacity));
        Assert.Equal(PrewarmStatus.Reused, (await _composition.Prewarms.GetAsync(atRisk, DateTimeOffset.UtcNow, CancellationToken.None))!.Status);
        Assert.Equal(1, _metrics.Count("PrewarmedSuccessorsReused"));

        // The adopted successor still carries the pre-warm tag: the sweep must leave a group member alone.
        await DispatchAsync(ScheduledJson());
        Assert.Equal("running", (await DescribeInstanceAsync(prewarmed)).State.Name.Value);
    }

    [Fact]
    public async Task Rebalance_GroupWithoutTheFlag_NoOpWithReasonNothingLaunched()
    {
        _configs.Add(Flagged() with { IsToHandleRebalanceEvent = false });
        string atRisk = (await DescribeGroupAsync()).Instances[0].InstanceId;

        DispatchResult result = await DispatchAsync(RebalanceJson(atRisk, "rb-1"));

        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.Equal("is_to_handle_rebalance_event is off for this group: the recommendation is ignored", result.Reason);
        Assert.DoesNotContain(_proxy.Calls, c => c.Action is "RunInstances" or "CreateFleet");
        Assert.Null(await _composition.Prewarms.GetAsync(atRisk, DateTimeOffset.UtcNow, CancellationToken.None));
    }

    [Fact]
    public async Task Sweep_AtRiskInstanceGoneWithoutWarning_TerminatesThePrewarmedSuccessor()
    {
        _configs.Add(Flagged());
        AutoScalingGroupInfo before = await DescribeGroupAsync();
        string atRisk = before.Instances[0].InstanceId;
        await DispatchAsync(RebalanceJson(atRisk, "rb-1"));
        string prewarmed = (await _composition.Prewarms.GetAsync(atRisk, DateTimeOffset.UtcNow, CancellationToken.None))!.SuccessorInstanceId!;
        DispatchResult early = await DispatchAsync(ScheduledJson());
        Assert.Equal("running", (await DescribeInstanceAsync(prewarmed)).State.Name.Value);

        // Scale-in (or anything else) takes the at-risk instance out without a warning: the spare has no purpose left.
        await _factory.Ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [atRisk] });
        await DispatchAsync(ScheduledJson());

        Assert.NotEqual(DispatchStatus.Started, early.Status);
        Assert.Equal("terminated", (await DescribeInstanceAsync(prewarmed)).State.Name.Value);
        Assert.Equal(PrewarmStatus.Released, (await _composition.Prewarms.GetAsync(atRisk, DateTimeOffset.UtcNow, CancellationToken.None))!.Status);
        Assert.Equal(1, _metrics.Count("PrewarmsReleased"));
        Assert.DoesNotContain(_proxy.Calls, c => GroupChanges.Contains(c.Action));
    }

    private static GroupConfig Flagged() => new()
    {
        GroupName = Group,
        IsToHandleRebalanceEvent = true,
        ReplacementStrategy = ReplacementStrategy.Launch,
        DetachingDelaySeconds = 0,
        K8sNodeDrainOption = true,
        ConsulPort = 8500,
    };

    private Task<DispatchResult> DispatchAsync(string json) => _composition.Dispatcher.DispatchAsync(EventParser.Parse(json), CancellationToken.None);

    private static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string RebalanceJson(string instanceId, string eventId) => $$$"""
        {"version":"0","id":"{{{eventId}}}","detail-type":"EC2 Instance Rebalance Recommendation","source":"aws.ec2",
         "account":"123456789012","time":"{{{Now()}}}","region":"us-east-1",
         "resources":["arn:aws:ec2:us-east-1a:instance/{{{instanceId}}}"],
         "detail":{"instance-id":"{{{instanceId}}}"}}
        """;

    private static string WarningJson(string instanceId, string eventId) => $$$"""
        {"version":"0","id":"{{{eventId}}}","detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2",
         "account":"123456789012","time":"{{{Now()}}}","region":"us-east-1",
         "resources":["arn:aws:ec2:us-east-1a:instance/{{{instanceId}}}"],
         "detail":{"instance-id":"{{{instanceId}}}","instance-action":"terminate"}}
        """;

    private static string ScheduledJson() => $$$"""
        {"version":"0","id":"sweep-{{{Guid.NewGuid():N}}}","detail-type":"Scheduled Event","source":"aws.events",
         "account":"123456789012","time":"{{{Now()}}}","region":"us-east-1",
         "resources":["arn:aws:events:us-east-1:123456789012:rule/maxgroup-volume-sweep"],"detail":{}}
        """;

    private async Task<AutoScalingGroupInfo> DescribeGroupAsync() =>
        Assert.Single(await _factory.AutoScaling.DescribeAutoScalingGroupsAsync([Group], CancellationToken.None));

    private async Task<Instance> DescribeInstanceAsync(string instanceId) =>
        Assert.Single(await new MotoScene(_factory).InstancesAsync(instanceId));

    private Task<IReadOnlyList<string>> AllInstanceIdsAsync() => new MotoScene(_factory).InstanceIdsAsync();
}
