using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using MaxGroup.Aws.AutoScaling;
using MaxGroup.Aws.Signing;

namespace MaxGroup.Integration.Tests.Capacity;

/// <summary>
/// Launch failure → backfill end to end on moto, through the dispatcher as the function wires it (DynamoDB ledger table,
/// CreateFleet, Auto Scaling through the signed client), every call counted by the fault proxy. The group is made short
/// the way a real failed launch leaves it: its template's default version cannot launch (a missing security group),
/// desired capacity is raised, and moto's own launch fails after the new desired capacity is stored. The group itself
/// runs version 1, which MaxGroup's launch uses. (moto's AttachInstances sets desired capacity to the member count plus
/// one, which for a group short by one is the desired capacity it had; AWS adds one, and the put-back that follows is
/// proved with the Core fakes, which follow AWS.)
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class BackfillMotoTests(MotoFixture moto) : IAsyncLifetime
{
    private const string Group = "web";
    private const string Activity = "0d6c2a11-4b7e-4c3f-9a55-2e8f1b7c6d90";
    private const string Table = "maxgroup-ledger";
    private readonly FakeConfigSource _configs = new("no configuration file and no spotmax: tags");
    private readonly RecordingMetrics _metrics = new();
    private AwsFaultProxy _proxy = null!;
    private AwsClientFactory _factory = null!;
    private DispatcherWiring _composition = null!;
    private IReadOnlyList<(string Subnet, string Zone)> _subnets = [];

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
        _configs.Add(new GroupConfig { GroupName = Group });

        DescribeSubnetsResponse subnets = await _factory.Ec2.DescribeSubnetsAsync(new DescribeSubnetsRequest());
        _subnets = subnets.Subnets.OrderBy(s => s.AvailabilityZone, StringComparer.Ordinal).Take(2).Select(s => (s.SubnetId, s.AvailabilityZone)).ToList();
        foreach ((string subnet, string zone) in _subnets)
        {
            _proxy.SubnetZones[subnet] = zone;
        }

        await ShortGroupAsync();
        _proxy.ClearCalls();
    }

    public async Task DisposeAsync()
    {
        _factory.Dispose();
        await _proxy.DisposeAsync();
    }

    [Fact]
    public async Task LaunchUnsuccessful_DispatchedTwice_ExactlyOneSuccessorAttachedDesiredUnchanged()
    {
        AutoScalingGroupInfo before = await DescribeGroupAsync();
        Assert.Equal((3, 2), (before.DesiredCapacity, before.Instances.Count));
        string failedZone = _subnets[0].Zone;

        DispatchResult first = await DispatchAsync(FailedJson("ev-1", failedZone));
        DispatchResult second = await DispatchAsync(FailedJson("ev-2", failedZone));

        Assert.Equal(DispatchStatus.Started, first.Status);
        Assert.Equal(DispatchStatus.Duplicate, second.Status);
        Assert.Single(_proxy.Calls, c => c.Action is "CreateFleet" or "RunInstances");
        Assert.Single(_proxy.Calls, c => c.Action == "AttachInstances");
        AutoScalingGroupInfo after = await DescribeGroupAsync();
        Assert.Equal(3, after.DesiredCapacity);
        Assert.Equal((before.MinSize, before.MaxSize), (after.MinSize, after.MaxSize));
        string successor = Assert.Single(after.Instances.Select(i => i.InstanceId).Except(before.Instances.Select(i => i.InstanceId)));
        Assert.Equal(first.InstanceId, successor);
        Assert.Equal(3, after.Instances.Count);
        Assert.Equal(3, (await new MotoScene(_factory).InstanceIdsAsync()).Count);

        Instance launched = Assert.Single(await new MotoScene(_factory).InstancesAsync(successor));
        Dictionary<string, string> tags = launched.Tags.ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal(Group, tags[SuccessorTags.Group]);
        Assert.Equal(Activity, tags[SuccessorTags.Backfill]);
        // The zone that just failed is avoided for the Spot pools while the group has another.
        Assert.Equal("spot", launched.InstanceLifecycle?.Value);
        Assert.NotEqual(failedZone, launched.Placement.AvailabilityZone);
        Assert.Equal(1, _metrics.Records.Count(r => r.Name == "Backfills" && r.Dimensions!["Outcome"] == "Attached"));
        Assert.Equal(1, _metrics.Records.Count(r => r.Name == "Backfills" && r.Dimensions!["Outcome"] == "Duplicate"));
    }

    [Fact]
    public async Task LaunchUnsuccessful_ConcurrentDeliveriesAndARedeliveryWhileStillShort_OneLaunchInTotal()
    {
        DispatchResult[] both = await Task.WhenAll(DispatchAsync(FailedJson("ev-1", zone: null)), DispatchAsync(FailedJson("ev-2", zone: null)));
        // The group is short again (its next launch failed too); the same activity delivered again must still not backfill.
        await RaiseDesiredWithFailingLaunchAsync(4);
        DispatchResult late = await DispatchAsync(FailedJson("ev-3", zone: null));

        Assert.Equal([DispatchStatus.Started, DispatchStatus.Duplicate], both.Select(r => r.Status).Order());
        Assert.Equal(DispatchStatus.Duplicate, late.Status);
        Assert.Single(_proxy.Calls, c => c.Action is "CreateFleet" or "RunInstances");
        Assert.Single(_proxy.Calls, c => c.Action == "AttachInstances");
        Assert.Equal((4, 3), ((await DescribeGroupAsync()).DesiredCapacity, (await DescribeGroupAsync()).Instances.Count));
    }

    [Fact]
    public async Task LaunchUnsuccessful_RunFailedAtTheAttach_RedeliveryAttachesTheSameSuccessorLaunchesNoSecond()
    {
        // Every attempt of the first run's AttachInstances is throttled: the run fails after its launch, as one that died there.
        _proxy.FailNext("AttachInstances", "throttle", times: 4);
        await Assert.ThrowsAsync<RemoteApiException>(() => DispatchAsync(FailedJson("ev-1", zone: null)));
        Assert.Equal(2, (await DescribeGroupAsync()).Instances.Count);

        DispatchResult redelivered = await DispatchAsync(FailedJson("ev-1", zone: null));

        Assert.Equal(DispatchStatus.Started, redelivered.Status);
        Assert.Single(_proxy.Calls, c => c.Action is "CreateFleet" or "RunInstances");
        AutoScalingGroupInfo after = await DescribeGroupAsync();
        Assert.Equal((3, 3), (after.DesiredCapacity, after.Instances.Count));
        Assert.Contains(after.Instances, i => i.InstanceId == redelivered.InstanceId);
        Assert.Equal(3, (await new MotoScene(_factory).InstanceIdsAsync()).Count);
    }

    [Fact]
    public async Task LaunchUnsuccessful_KeyOff_NothingLaunchedGroupLeftShort()
    {
        _configs.Add(new GroupConfig { GroupName = Group, IsToHandleScalingFailure = false });

        DispatchResult result = await DispatchAsync(FailedJson("ev-1", _subnets[0].Zone));

        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.DoesNotContain(_proxy.Calls, c => c.Action is "CreateFleet" or "RunInstances" or "AttachInstances" or "SetDesiredCapacity");
        Assert.Equal(2, (await DescribeGroupAsync()).Instances.Count);
    }

    [Fact]
    public async Task LaunchUnsuccessful_CreateFleetRefused_RunInstancesInAGroupSubnetOtherThanTheFailedOne()
    {
        _proxy.FailNext("CreateFleet", "unauthorized");
        (string failedSubnet, string failedZone) = _subnets[0];

        DispatchResult result = await DispatchAsync(FailedJson("ev-1", failedZone, failedSubnet));

        Assert.Equal(DispatchStatus.Started, result.Status);
        Assert.Single(_proxy.Calls, c => c.Action == "RunInstances");
        Instance launched = Assert.Single(await new MotoScene(_factory).InstancesAsync(result.InstanceId!));
        Assert.Equal(_subnets[1].Subnet, launched.SubnetId);
        Assert.Equal((3, 3), ((await DescribeGroupAsync()).DesiredCapacity, (await DescribeGroupAsync()).Instances.Count));
    }

    /// <summary>desired 2 → 3 with the group's launch failing in moto: desired 3, two members.</summary>
    private async Task ShortGroupAsync()
    {
        string template = await new MotoScene(_factory).LaunchTemplateAsync("lt-web", "m5.large");
        QueryRequest create = AutoScalingClient.NewQuery("CreateAutoScalingGroup")
            .Add("AutoScalingGroupName", Group)
            .Add("LaunchTemplate.LaunchTemplateId", template)
            .Add("LaunchTemplate.Version", "1")
            .Add("MinSize", 1)
            .Add("MaxSize", 4)
            .Add("DesiredCapacity", 2)
            .Add("VPCZoneIdentifier", string.Join(',', _subnets.Select(s => s.Subnet)))
            .Add("Tags.member.1.Key", "spotmax:managed").Add("Tags.member.1.Value", "true").Add("Tags.member.1.PropagateAtLaunch", false);
        await _factory.AutoScaling.CallAsync(create, CancellationToken.None);

        await _factory.Ec2.CreateLaunchTemplateVersionAsync(new CreateLaunchTemplateVersionRequest
        {
            LaunchTemplateId = template,
            LaunchTemplateData = new RequestLaunchTemplateData { ImageId = MotoScene.Ami, InstanceType = "m5.large", SecurityGroupIds = ["sg-00000000000000000"] },
        });
        await _factory.Ec2.ModifyLaunchTemplateAsync(new ModifyLaunchTemplateRequest { LaunchTemplateId = template, DefaultVersion = "2" });
        await RaiseDesiredWithFailingLaunchAsync(3);
    }

    private async Task RaiseDesiredWithFailingLaunchAsync(int desired)
    {
        try
        {
            await _factory.AutoScaling.SetDesiredCapacityAsync(Group, desired, honorCooldown: false, CancellationToken.None);
        }
        catch (RemoteApiException)
        {
            // moto stores the new desired capacity, then its launch from the default version fails.
        }
    }

    private Task<DispatchResult> DispatchAsync(string json) => _composition.Dispatcher.DispatchAsync(EventParser.Parse(json), CancellationToken.None);

    private async Task<AutoScalingGroupInfo> DescribeGroupAsync() =>
        Assert.Single(await _factory.AutoScaling.DescribeAutoScalingGroupsAsync([Group], CancellationToken.None));

    private static string FailedJson(string eventId, string? zone, string? subnet = null) => $$$"""
        {"version":"0","id":"{{{eventId}}}","detail-type":"EC2 Instance Launch Unsuccessful","source":"aws.autoscaling",
         "account":"123456789012","time":"{{{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ}}}","region":"us-east-1",
         "resources":["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b:autoScalingGroupName/{{{Group}}}"],
         "detail":{"StatusCode":"Failed","AutoScalingGroupName":"{{{Group}}}","ActivityId":"{{{Activity}}}",
          "Details":{{{Details(zone, subnet)}}},
          "StatusMessage":"We currently do not have sufficient m5.large capacity in the Availability Zone you requested. Launching EC2 instance failed.",
          "EC2InstanceId":""}}
        """;

    private static string Details(string? zone, string? subnet)
    {
        var details = new JsonObject();
        if (zone is not null)
        {
            details["Availability Zone"] = zone;
        }

        if (subnet is not null)
        {
            details["Subnet ID"] = subnet;
        }

        return details.ToJsonString();
    }
}
