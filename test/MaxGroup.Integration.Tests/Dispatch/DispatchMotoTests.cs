using Amazon.EC2.Model;

namespace MaxGroup.Integration.Tests.Dispatch;

/// <summary>
/// The dispatcher end to end on moto, steps in-process (`--inline`): EC2, AutoScaling (signed Query client) and the
/// DynamoDB ledger are all real peers; only the group config source is held in memory.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class DispatchMotoTests(MotoFixture moto) : IAsyncLifetime, IDisposable
{
    private const string Group = "web";
    private readonly AwsClientFactory _factory = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
    private readonly FakeConfigSource _configs = new("no configuration file and no spotmax: tags");
    private DispatcherWiring _composition = null!;

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        Dictionary<string, string> variables = new()
        {
            ["MAXGROUP_LEDGER_TABLE"] = "maxgroup-ledger",
            ["AWS_ENDPOINT_URL"] = moto.Endpoint,
        };
        await FunctionServices.EnsureLedgerTableAsync(_factory, variables.GetValueOrDefault, TimeProvider.System, CancellationToken.None);
        _composition = DispatcherWiring.Create(new FunctionServices(
            _factory, _configs, variables.GetValueOrDefault, TimeProvider.System, NullLoggerFactory.Instance, NullMetrics.Instance, new InvocationOptions { Inline = true }));
        await new MotoScene(_factory).LaunchTemplateAsync("lt-web", "m5.large");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Launch_ThroughDispatcherHandler_SuccessorInSameAzWithTagsDoomedOutDesiredUnchanged()
    {
        await CreateGroupAsync(min: 1, max: 4, desired: 2);
        _configs.Add(new GroupConfig { GroupName = Group, ReplacementStrategy = ReplacementStrategy.Launch, DetachingDelaySeconds = 0 });
        AutoScalingGroupInfo before = await DescribeGroupAsync();
        string doomed = before.Instances[0].InstanceId;
        Instance doomedInstance = await DescribeInstanceAsync(doomed);

        string output = await _composition.Handler().HandleAsync(WarningJson(doomed, "ev-1"), new TestLambdaContext(), CancellationToken.None);

        using (JsonDocument result = JsonDocument.Parse(output))
        {
            Assert.Equal("Started", result.RootElement.GetProperty("status").GetString());
        }

        AutoScalingGroupInfo after = await DescribeGroupAsync();
        InterruptionRecord record = (await _composition.Ledger.GetAsync(doomed, CancellationToken.None))!;
        string successor = record.SuccessorInstanceId!;
        Assert.DoesNotContain(after.Instances, i => i.InstanceId == doomed);
        Assert.Contains(after.Instances, i => i.InstanceId == successor);
        Assert.Equal(2, after.Instances.Count);
        Assert.Equal(before.DesiredCapacity, after.DesiredCapacity);
        Assert.Equal(before.MaxSize, after.MaxSize);
        Instance successorInstance = await DescribeInstanceAsync(successor);
        Assert.Equal(doomedInstance.Placement.AvailabilityZone, successorInstance.Placement.AvailabilityZone);
        Assert.Equal(doomedInstance.SubnetId, successorInstance.SubnetId);
        Dictionary<string, string> tags = successorInstance.Tags.ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal(Group, tags["spotmax:group"]);
        Assert.Equal(doomed, tags["spotmax:replaces"]);
        Assert.Equal("blue", tags["team"]);
        Assert.Equal(StepStatus.Done, record.FindStep("replace")!.Status);
        Assert.Equal(InterruptionStatus.Done, record.Status);
    }

    [Fact]
    public async Task Detach_GroupLaunchesReplacement_DoomedOutDesiredUnchangedSuccessorRecorded()
    {
        await CreateGroupAsync(min: 1, max: 4, desired: 2);
        _configs.Add(new GroupConfig { GroupName = Group, ReplacementStrategy = ReplacementStrategy.Detach, DetachingDelaySeconds = 0 });
        AutoScalingGroupInfo before = await DescribeGroupAsync();
        string doomed = before.Instances[0].InstanceId;

        DispatchResult result = await DispatchAsync(doomed, "ev-1");

        Assert.Equal(DispatchStatus.Started, result.Status);
        AutoScalingGroupInfo after = await DescribeGroupAsync();
        InterruptionRecord record = (await _composition.Ledger.GetAsync(doomed, CancellationToken.None))!;
        Assert.DoesNotContain(after.Instances, i => i.InstanceId == doomed);
        Assert.Equal(2, after.Instances.Count);
        Assert.Equal(before.DesiredCapacity, after.DesiredCapacity);
        Assert.NotNull(record.SuccessorInstanceId);
        Assert.Contains(after.Instances, i => i.InstanceId == record.SuccessorInstanceId);
        Assert.DoesNotContain(before.Instances, i => i.InstanceId == record.SuccessorInstanceId);
    }

    [Fact]
    public async Task DuplicateWarning_StartsNothingNew()
    {
        await CreateGroupAsync(min: 1, max: 4, desired: 2);
        _configs.Add(new GroupConfig { GroupName = Group, ReplacementStrategy = ReplacementStrategy.Launch, DetachingDelaySeconds = 0 });
        string doomed = (await DescribeGroupAsync()).Instances[0].InstanceId;
        await DispatchAsync(doomed, "ev-1");
        IReadOnlyList<string> instancesAfterFirst = await AllInstanceIdsAsync();
        AutoScalingGroupInfo groupAfterFirst = await DescribeGroupAsync();

        DispatchResult replay = await DispatchAsync(doomed, "ev-1");
        DispatchResult redelivery = await DispatchAsync(doomed, "ev-2");

        Assert.Equal(DispatchStatus.Duplicate, replay.Status);
        Assert.Equal(DispatchStatus.Duplicate, redelivery.Status);
        Assert.Equal(instancesAfterFirst, await AllInstanceIdsAsync());
        AutoScalingGroupInfo groupAfter = await DescribeGroupAsync();
        Assert.Equal(groupAfterFirst.Instances.Select(i => i.InstanceId).Order(), groupAfter.Instances.Select(i => i.InstanceId).Order());
        Assert.Equal(["ev-1", "ev-2"], (await _composition.Ledger.GetAsync(doomed, CancellationToken.None))!.EventIds);
    }

    [Fact]
    public async Task ConcurrentDeliveries_OneSuccessorOnly()
    {
        await CreateGroupAsync(min: 1, max: 4, desired: 2);
        _configs.Add(new GroupConfig { GroupName = Group, ReplacementStrategy = ReplacementStrategy.Launch, DetachingDelaySeconds = 0 });
        string doomed = (await DescribeGroupAsync()).Instances[0].InstanceId;

        DispatchResult[] results = await Task.WhenAll(
            Task.Run(() => DispatchAsync(doomed, "ev-1")),
            Task.Run(() => DispatchAsync(doomed, "ev-2")));

        Assert.Single(results, r => r.Status == DispatchStatus.Started);
        Assert.Single(results, r => r.Status == DispatchStatus.Duplicate);
        DescribeInstancesResponse successors = await _factory.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest
        {
            Filters = [new Filter("tag:spotmax:replaces", [doomed])],
        });
        Assert.Single(successors.Reservations.SelectMany(r => r.Instances));
        Assert.Equal(2, (await DescribeGroupAsync()).DesiredCapacity);
    }

    [Fact]
    public async Task MaxSizeReached_RaisedForTheAttachAndRestored()
    {
        await CreateGroupAsync(min: 2, max: 2, desired: 2);
        _configs.Add(new GroupConfig { GroupName = Group, ReplacementStrategy = ReplacementStrategy.Launch, DetachingDelaySeconds = 0 });
        string doomed = (await DescribeGroupAsync()).Instances[0].InstanceId;

        DispatchResult result = await DispatchAsync(doomed, "ev-1");

        Assert.Equal(DispatchStatus.Started, result.Status);
        AutoScalingGroupInfo after = await DescribeGroupAsync();
        StepRecord replace = (await _composition.Ledger.GetAsync(doomed, CancellationToken.None))!.FindStep("replace")!;
        Assert.Equal(StepStatus.Done, replace.Status);
        Assert.Equal("2 -> 3", replace.Details["max_size_raised"]);
        Assert.Equal((2, 2, 2), (after.MinSize, after.MaxSize, after.DesiredCapacity));
        Assert.DoesNotContain(after.Instances, i => i.InstanceId == doomed);
        Assert.Equal(2, after.Instances.Count);
    }

    [Fact]
    public async Task DryRun_RecordsPlanAndMutatesNothing()
    {
        await CreateGroupAsync(min: 2, max: 2, desired: 2);
        _configs.Add(new GroupConfig { GroupName = Group, ReplacementStrategy = ReplacementStrategy.Launch, DryRun = true });
        AutoScalingGroupInfo before = await DescribeGroupAsync();
        IReadOnlyList<string> instancesBefore = await AllInstanceIdsAsync();
        string doomed = before.Instances[0].InstanceId;

        DispatchResult result = await DispatchAsync(doomed, "ev-1");

        Assert.True(result.DryRun);
        AutoScalingGroupInfo after = await DescribeGroupAsync();
        Assert.Equal(instancesBefore, await AllInstanceIdsAsync());
        Assert.Equal(before.Instances.Select(i => i.InstanceId), after.Instances.Select(i => i.InstanceId));
        Assert.Equal((before.MinSize, before.MaxSize, before.DesiredCapacity), (after.MinSize, after.MaxSize, after.DesiredCapacity));
        StepRecord replace = (await _composition.Ledger.GetAsync(doomed, CancellationToken.None))!.FindStep("replace")!;
        Assert.Equal(StepStatus.NoOp, replace.Status);
        Assert.StartsWith("dry run: would launch a successor", replace.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnmanagedGroup_IsNoOpWithReason()
    {
        await CreateGroupAsync(min: 1, max: 4, desired: 1);
        string doomed = (await DescribeGroupAsync()).Instances[0].InstanceId;

        DispatchResult result = await DispatchAsync(doomed, "ev-1");

        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.Equal("group is not managed: no configuration file and no spotmax: tags", result.Reason);
        Assert.Equal(Group, result.GroupName);
        Assert.Null(await _composition.Ledger.GetAsync(doomed, CancellationToken.None));
    }

    [Fact]
    public async Task InstanceInNoGroup_IsNoOpWithReason()
    {
        string loose = await RunLooseInstanceAsync();

        DispatchResult result = await DispatchAsync(loose, "ev-1");

        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.Equal("instance is not in an Auto Scaling group", result.Reason);
    }

    [Fact]
    public async Task UnknownInstance_IsNoOpWithReason()
    {
        DispatchResult result = await DispatchAsync("i-0123456789abcdef0", "ev-1");

        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.Equal("instance not found", result.Reason);
    }

    [Fact]
    public async Task TerminatedInstance_IsNoOpWithReason()
    {
        string loose = await RunLooseInstanceAsync();
        await _factory.Ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [loose] });

        DispatchResult result = await DispatchAsync(loose, "ev-1");

        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.Equal("instance is already terminated", result.Reason);
    }

    [Fact]
    public async Task RemediationHandler_RunsStepOnceThenReportsItComplete()
    {
        await CreateGroupAsync(min: 1, max: 4, desired: 2);
        var config = new GroupConfig { GroupName = Group, ReplacementStrategy = ReplacementStrategy.Detach, DetachingDelaySeconds = 0 };
        string doomed = (await DescribeGroupAsync()).Instances[0].InstanceId;
        DateTimeOffset warning = DateTimeOffset.UtcNow;
        InstanceFacts instance = (await _composition.Inventory.DescribeInstanceAsync(doomed, CancellationToken.None))!;
        RemediationRequest request = await ReplaceRequests.BeginAsync(_composition.Ledger, instance, config, warning);
        string payload = JsonSerializer.Serialize(request, RemediationJsonContext.Default.RemediationRequest);
        var handler = _composition.RemediationHandler(_composition.Replace.Step);

        string first = await handler.HandleAsync(payload, new TestLambdaContext(), CancellationToken.None);
        string second = await handler.HandleAsync(payload, new TestLambdaContext(), CancellationToken.None);

        Assert.Equal(StepStatus.Done, JsonSerializer.Deserialize(first, RemediationJsonContext.Default.StepOutcome)!.Status);
        StepOutcome again = JsonSerializer.Deserialize(second, RemediationJsonContext.Default.StepOutcome)!;
        Assert.Equal(StepStatus.NoOp, again.Status);
        Assert.Equal("already complete for this interruption", again.Reason);
        Assert.DoesNotContain((await DescribeGroupAsync()).Instances, i => i.InstanceId == doomed);
    }

    private Task<DispatchResult> DispatchAsync(string instanceId, string eventId) =>
        _composition.Dispatcher.DispatchAsync(EventParser.Parse(WarningJson(instanceId, eventId)), CancellationToken.None);

    private static string WarningJson(string instanceId, string eventId) => $$$"""
        {"version":"0","id":"{{{eventId}}}","detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2",
         "account":"123456789012","time":"{{{DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}}}","region":"us-east-1",
         "resources":["arn:aws:ec2:us-east-1a:instance/{{{instanceId}}}"],
         "detail":{"instance-id":"{{{instanceId}}}","instance-action":"terminate"}}
        """;

    private Task CreateGroupAsync(int min, int max, int desired) =>
        new MotoScene(_factory).GroupAsync(Group, "lt-web", min, max, desired, tags: [("team", "blue", true), ("cost", "1", false)]);

    private async Task<AutoScalingGroupInfo> DescribeGroupAsync() =>
        Assert.Single(await _factory.AutoScaling.DescribeAutoScalingGroupsAsync([Group], CancellationToken.None));

    private async Task<Instance> DescribeInstanceAsync(string instanceId) =>
        Assert.Single(await new MotoScene(_factory).InstancesAsync(instanceId));

    private Task<IReadOnlyList<string>> AllInstanceIdsAsync() => new MotoScene(_factory).InstanceIdsAsync();

    private async Task<string> RunLooseInstanceAsync()
    {
        RunInstancesResponse response = await _factory.Ec2.RunInstancesAsync(new RunInstancesRequest
        {
            MinCount = 1,
            MaxCount = 1,
            LaunchTemplate = new LaunchTemplateSpecification { LaunchTemplateName = "lt-web", Version = "$Default" },
        });
        return response.Reservation.Instances[0].InstanceId;
    }
}
