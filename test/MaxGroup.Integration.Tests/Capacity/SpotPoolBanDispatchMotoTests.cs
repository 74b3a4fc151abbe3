using InstanceType = Amazon.EC2.InstanceType;
using MarketType = Amazon.EC2.MarketType;
using Amazon.EC2.Model;
using MaxGroup.Aws.AutoScaling;
using MaxGroup.Aws.Signing;

namespace MaxGroup.Integration.Tests.Capacity;

/// <summary>
/// The Spot pool ban end to end on moto, through the dispatcher as the function wires it (DynamoDB ledger table,
/// CreateFleet, steps inline): a warning for an m5.large Spot instance in zone A bans (m5.large, A); the next warning of
/// the group, for a c5.large (so m5.large is its Spot candidate), gets its successor from m5.large in the other zone.
/// With spot_pool_ban_minutes 0 the same scene launches in zone A (the doomed instance's subnet comes first), so the
/// test fails if the ban is not written, not read, or not applied.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class SpotPoolBanDispatchMotoTests(MotoFixture moto) : IAsyncLifetime
{
    private const string Group = "web";
    private readonly FakeConfigSource _configs = new("no configuration file and no spotmax: tags");
    private AwsFaultProxy _proxy = null!;
    private AwsClientFactory _factory = null!;
    private DispatcherWiring _composition = null!;
    private List<Subnet> _subnets = [];

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        _proxy = await AwsFaultProxy.StartAsync(moto.Endpoint);
        _factory = AwsTestClients.EndpointFactory(_proxy.Endpoint, AwsTestClients.FastRetry());
        Dictionary<string, string> variables = new()
        {
            ["MAXGROUP_LEDGER_TABLE"] = "maxgroup-ledger",
            ["AWS_ENDPOINT_URL"] = _proxy.Endpoint,
        };
        await FunctionServices.EnsureLedgerTableAsync(_factory, variables.GetValueOrDefault, TimeProvider.System, CancellationToken.None);
        _composition = DispatcherWiring.Create(new FunctionServices(
            _factory, _configs, variables.GetValueOrDefault, TimeProvider.System, NullLoggerFactory.Instance, NullMetrics.Instance, new InvocationOptions { Inline = true }));

        string template = await new MotoScene(_factory).LaunchTemplateAsync("lt-web", "m5.large");
        DescribeSubnetsResponse subnets = await _factory.Ec2.DescribeSubnetsAsync(new DescribeSubnetsRequest());
        _subnets = subnets.Subnets.OrderBy(s => s.AvailabilityZone, StringComparer.Ordinal).Take(2).ToList();
        foreach (Subnet subnet in _subnets)
        {
            _proxy.SubnetZones[subnet.SubnetId] = subnet.AvailabilityZone;
        }

        QueryRequest create = AutoScalingClient.NewQuery("CreateAutoScalingGroup")
            .Add("AutoScalingGroupName", Group)
            .Add("LaunchTemplate.LaunchTemplateId", template)
            .Add("LaunchTemplate.Version", "$Default")
            .Add("MinSize", 0)
            .Add("MaxSize", 6)
            .Add("DesiredCapacity", 0)
            .Add("VPCZoneIdentifier", string.Join(',', _subnets.Select(s => s.SubnetId)))
            .Add("Tags.member.1.Key", "spotmax:managed").Add("Tags.member.1.Value", "true").Add("Tags.member.1.PropagateAtLaunch", false);
        await _factory.AutoScaling.CallAsync(create, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        _factory.Dispose();
        await _proxy.DisposeAsync();
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(0, 0)]
    public async Task Warning_BansItsPool_NextHandOverOfTheGroupLaunchesElsewhere(int banMinutes, int expectedSubnet)
    {
        _configs.Add(new GroupConfig
        {
            GroupName = Group,
            ReplacementStrategy = ReplacementStrategy.Launch,
            AlternativeInstanceTypes = ["m5.large", "c5.large"],
            DetachingDelaySeconds = 0,
            SpotPoolBanMinutes = banMinutes,
        });
        string first = await AttachSpotAsync(InstanceType.M5Large);
        string second = await AttachSpotAsync(InstanceType.C5Large);

        DispatchResult banning = await DispatchAsync(first, "ev-1");
        DispatchResult next = await DispatchAsync(second, "ev-2");

        Assert.Equal((DispatchStatus.Started, DispatchStatus.Started), (banning.Status, next.Status));
        string successor = (await _composition.Ledger.GetAsync(second, CancellationToken.None))!.SuccessorInstanceId!;
        Instance launched = Assert.Single(await new MotoScene(_factory).InstancesAsync(successor));
        Assert.Equal(("m5.large", "spot"), (launched.InstanceType.Value, launched.InstanceLifecycle?.Value));
        Assert.Equal(_subnets[expectedSubnet].AvailabilityZone, launched.Placement.AvailabilityZone);
    }

    /// <summary>A Spot instance of <paramref name="type"/> in the first subnet, attached to the group.</summary>
    private async Task<string> AttachSpotAsync(InstanceType type)
    {
        RunInstancesResponse run = await _factory.Ec2.RunInstancesAsync(new RunInstancesRequest
        {
            MinCount = 1,
            MaxCount = 1,
            InstanceType = type,
            LaunchTemplate = new LaunchTemplateSpecification { LaunchTemplateName = "lt-web", Version = "$Default" },
            SubnetId = _subnets[0].SubnetId,
            InstanceMarketOptions = new InstanceMarketOptionsRequest { MarketType = MarketType.Spot },
        });
        string id = run.Reservation.Instances[0].InstanceId;
        await _factory.AutoScaling.AttachInstancesAsync(Group, [id], CancellationToken.None);
        return id;
    }

    private Task<DispatchResult> DispatchAsync(string instanceId, string eventId) =>
        _composition.Dispatcher.DispatchAsync(EventParser.Parse($$$"""
            {"version":"0","id":"{{{eventId}}}","detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2",
             "account":"123456789012","time":"{{{DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}}}","region":"us-east-1",
             "resources":["arn:aws:ec2:us-east-1a:instance/{{{instanceId}}}"],
             "detail":{"instance-id":"{{{instanceId}}}","instance-action":"terminate"}}
            """), CancellationToken.None);
}
