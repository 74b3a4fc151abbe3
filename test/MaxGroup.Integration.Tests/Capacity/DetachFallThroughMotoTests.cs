using Amazon.EC2.Model;
using MaxGroup.Aws.AutoScaling;
using MaxGroup.Aws.Signing;

namespace MaxGroup.Integration.Tests.Capacity;

/// <summary>
/// The detach fall-through on moto: a group without a data volume (`auto` is detach) whose own replacement launch fails.
/// The replace step is the function's (ReplaceWiring: signed Auto Scaling client, CreateFleet launcher, DynamoDB ledger),
/// every call through the fault proxy. The group's launch fails as in BackfillMotoTests: its template's default version
/// names a missing security group, while the group and MaxGroup's launch use version 1. The proxy answers the
/// DetachInstances that moto fails after detaching (its replacement launch runs inside the call) as AWS does (see
/// AwsFaultProxy.AutoScaling.cs). The warning is 70 s old, so the step's deadline-aware cut-off (45 s kept before the
/// reclaim for the fall-through) ends the watch for the group's replacement after about 5 s with the defaults.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class DetachFallThroughMotoTests(MotoFixture moto) : IAsyncLifetime
{
    private const string Group = "web";
    private const string Table = "maxgroup-ledger";
    private readonly FakeConfigSource _configs = new("no configuration file and no spotmax: tags");
    private AwsFaultProxy _proxy = null!;
    private AwsClientFactory _factory = null!;
    private FunctionServices _services = null!;

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
        _services = new FunctionServices(
            _factory, _configs, variables.GetValueOrDefault, TimeProvider.System, NullLoggerFactory.Instance, NullMetrics.Instance, new InvocationOptions { Inline = true });
        await GroupWhoseOwnLaunchFailsAsync();
        _proxy.ClearCalls();
    }

    public async Task DisposeAsync()
    {
        _factory.Dispose();
        await _proxy.DisposeAsync();
    }

    [Fact]
    public async Task Detach_GroupsOwnLaunchFailsSpotShort_FallsThroughToOnDemandSuccessorAttachedDesiredUnchanged()
    {
        _proxy.Dry("m5.large/spot");
        AutoScalingGroupInfo before = await DescribeGroupAsync();
        string doomed = before.Instances[0].InstanceId;
        string other = before.Instances[1].InstanceId;

        StepOutcome outcome = await RunReplaceAsync(doomed);

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal("launch", outcome.Details["fall_through"]);
        Assert.Equal(1, _proxy.DetachesAnsweredAsAws);
        string successor = outcome.Details["successor_instance_id"];
        Assert.Contains(successor, outcome.Reason, StringComparison.Ordinal);
        Assert.Equal("on-demand", outcome.Details["successor_market"]);

        AutoScalingGroupInfo after = await DescribeGroupAsync();
        Assert.Equal(new[] { other, successor }.Order(StringComparer.Ordinal), after.Instances.Select(i => i.InstanceId).Order(StringComparer.Ordinal));
        Assert.Equal(before.DesiredCapacity, after.DesiredCapacity);
        Assert.Equal((before.MinSize, before.MaxSize), (after.MinSize, after.MaxSize));

        // One launch request per market (the Spot block found no capacity), one attach, and no third instance.
        Assert.Equal(2, _proxy.Calls.Count(c => c.Action == "CreateFleet"));
        Assert.Single(_proxy.Calls, c => c.Action == "AttachInstances");
        Assert.Equal(3, (await new MotoScene(_factory).InstanceIdsAsync()).Count);
        Instance launched = Assert.Single(await new MotoScene(_factory).InstancesAsync(successor));
        Assert.Null(launched.InstanceLifecycle?.Value);
        Dictionary<string, string> tags = launched.Tags.ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal(Group, tags[SuccessorTags.Group]);
        Assert.Equal(doomed, tags[SuccessorTags.Replaces]);
        Assert.Equal(successor, (await _services.Ledger.GetAsync(doomed, CancellationToken.None))!.SuccessorInstanceId);
    }

    [Fact]
    public async Task Detach_GroupsOwnLaunchFailsAndNoPoolHasCapacity_FailedWithTheAttemptsNothingAttached()
    {
        _proxy.Dry("m5.large");
        AutoScalingGroupInfo before = await DescribeGroupAsync();
        string doomed = before.Instances[0].InstanceId;

        StepOutcome outcome = await RunReplaceAsync(doomed);

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Contains("no successor could be launched", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("InsufficientInstanceCapacity", outcome.Details["attempts"], StringComparison.Ordinal);
        Assert.DoesNotContain(_proxy.Calls, c => c.Action is "AttachInstances" or "RunInstances");
        AutoScalingGroupInfo after = await DescribeGroupAsync();
        Assert.Equal([before.Instances[1].InstanceId], after.Instances.Select(i => i.InstanceId));
        Assert.Equal(before.DesiredCapacity, after.DesiredCapacity);
        Assert.Null((await _services.Ledger.GetAsync(doomed, CancellationToken.None))!.SuccessorInstanceId);
    }

    private async Task<StepOutcome> RunReplaceAsync(string doomed)
    {
        // Default timing: the cut-off comes from the deadline, not from a test-only option.
        DateTimeOffset warning = DateTimeOffset.UtcNow.AddSeconds(-70);
        var config = new GroupConfig { GroupName = Group, DetachingDelaySeconds = 0 };
        Assert.Equal(ReplacementStrategy.Detach, config.EffectiveStrategy);
        InstanceFacts instance = (await _services.Inventory.DescribeInstanceAsync(doomed, CancellationToken.None))!;
        RemediationRequest request = await ReplaceRequests.BeginAsync(_services.Ledger, instance, config, warning);
        return await new ReplaceWiring(_services).Step.RunAsync(request, CancellationToken.None);
    }

    /// <summary>desired 2, both members from version 1; the default version (2) cannot launch, so the group's own launches fail.</summary>
    private async Task GroupWhoseOwnLaunchFailsAsync()
    {
        var scene = new MotoScene(_factory);
        string template = await scene.LaunchTemplateAsync("lt-web", "m5.large");
        DescribeSubnetsResponse subnets = await _factory.Ec2.DescribeSubnetsAsync(new DescribeSubnetsRequest());
        List<Subnet> two = subnets.Subnets.OrderBy(s => s.AvailabilityZone, StringComparer.Ordinal).Take(2).ToList();
        foreach (Subnet subnet in two)
        {
            _proxy.SubnetZones[subnet.SubnetId] = subnet.AvailabilityZone;
        }

        QueryRequest create = AutoScalingClient.NewQuery("CreateAutoScalingGroup")
            .Add("AutoScalingGroupName", Group)
            .Add("LaunchTemplate.LaunchTemplateId", template)
            .Add("LaunchTemplate.Version", "1")
            .Add("MinSize", 1)
            .Add("MaxSize", 4)
            .Add("DesiredCapacity", 2)
            .Add("VPCZoneIdentifier", string.Join(',', two.Select(s => s.SubnetId)))
            .Add("Tags.member.1.Key", "spotmax:managed").Add("Tags.member.1.Value", "true").Add("Tags.member.1.PropagateAtLaunch", false);
        await _factory.AutoScaling.CallAsync(create, CancellationToken.None);
        await _factory.Ec2.CreateLaunchTemplateVersionAsync(new CreateLaunchTemplateVersionRequest
        {
            LaunchTemplateId = template,
            LaunchTemplateData = new RequestLaunchTemplateData { ImageId = MotoScene.Ami, InstanceType = "m5.large", SecurityGroupIds = ["sg-00000000000000000"] },
        });
        await _factory.Ec2.ModifyLaunchTemplateAsync(new ModifyLaunchTemplateRequest { LaunchTemplateId = template, DefaultVersion = "2" });
    }

    private async Task<AutoScalingGroupInfo> DescribeGroupAsync() =>
        Assert.Single(await _factory.AutoScaling.DescribeAutoScalingGroupsAsync([Group], CancellationToken.None));
}
