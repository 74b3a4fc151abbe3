using Amazon.EC2.Model;
using MaxGroup.Aws.AutoScaling;
using MaxGroup.Aws.Signing;

namespace MaxGroup.Integration.Tests.Capacity;

/// <summary>
/// The replace step's launch on moto when the doomed instance's zone has no Spot capacity for the alternative type:
/// with persistence_dev the successor must stay in the volume's zone (EBS volumes are zone-bound), so it takes another
/// type or On-Demand there; without it the same dry pool sends the successor to another zone of the group. The replace
/// step is the function's (ReplaceWiring), every call through the fault proxy, whose dry pools give EC2's capacity errors.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class VolumePinnedSuccessorMotoTests(MotoFixture moto) : IAsyncLifetime
{
    private const string Group = "web";
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
            ["MAXGROUP_LEDGER_TABLE"] = "maxgroup-ledger",
            ["AWS_ENDPOINT_URL"] = _proxy.Endpoint,
        };
        await FunctionServices.EnsureLedgerTableAsync(_factory, variables.GetValueOrDefault, TimeProvider.System, CancellationToken.None);
        _services = new FunctionServices(
            _factory, _configs, variables.GetValueOrDefault, TimeProvider.System, NullLoggerFactory.Instance, NullMetrics.Instance, new InvocationOptions { Inline = true });

        string template = await new MotoScene(_factory).LaunchTemplateAsync("lt-web", "m5.large", dataVolumeDevice: "/dev/sdf");
        DescribeSubnetsResponse subnets = await _factory.Ec2.DescribeSubnetsAsync(new DescribeSubnetsRequest());
        List<Subnet> two = subnets.Subnets.OrderBy(s => s.AvailabilityZone, StringComparer.Ordinal).Take(2).ToList();
        foreach (Subnet subnet in two)
        {
            _proxy.SubnetZones[subnet.SubnetId] = subnet.AvailabilityZone;
        }

        QueryRequest create = AutoScalingClient.NewQuery("CreateAutoScalingGroup")
            .Add("AutoScalingGroupName", Group)
            .Add("LaunchTemplate.LaunchTemplateId", template)
            .Add("LaunchTemplate.Version", "$Default")
            .Add("MinSize", 1)
            .Add("MaxSize", 4)
            .Add("DesiredCapacity", 2)
            .Add("VPCZoneIdentifier", string.Join(',', two.Select(s => s.SubnetId)))
            .Add("Tags.member.1.Key", "spotmax:managed").Add("Tags.member.1.Value", "true").Add("Tags.member.1.PropagateAtLaunch", false);
        await _factory.AutoScaling.CallAsync(create, CancellationToken.None);
        _proxy.ClearCalls();
    }

    public async Task DisposeAsync()
    {
        _factory.Dispose();
        await _proxy.DisposeAsync();
    }

    [Fact]
    public async Task Replace_PersistenceDevAndAltSpotDryInTheVolumesZone_SuccessorStaysInTheZoneOnDemand()
    {
        (InstanceFacts doomed, StepOutcome outcome) = await ReplaceWithDryAltPoolAsync(new GroupConfig
        {
            GroupName = Group,
            PersistenceDev = "/dev/sdf",
            AlternativeInstanceTypes = ["c5.large"],
            DetachingDelaySeconds = 0,
        });

        Assert.Equal(StepStatus.Done, outcome.Status);
        Instance successor = Assert.Single(await new MotoScene(_factory).InstancesAsync(outcome.Details["successor_instance_id"]));
        Assert.Equal(doomed.AvailabilityZone, successor.Placement.AvailabilityZone);
        Assert.Equal(_proxy.SubnetZones[successor.SubnetId], doomed.AvailabilityZone);
        // The Spot block (c5.large only: the doomed type is avoided on Spot) had no pool in the zone; On-Demand there did.
        Assert.Equal(("m5.large", "on-demand"), (outcome.Details["successor_type"], outcome.Details["successor_market"]));
        Assert.Equal(2, _proxy.Calls.Count(c => c.Action == "CreateFleet"));
        Assert.Contains(outcome.Details["successor_instance_id"], (await DescribeGroupAsync()).Instances.Select(i => i.InstanceId));
    }

    [Fact]
    public async Task Replace_NoVolumeAndTheSameDryPool_SuccessorTakesTheSpotPoolOfAnotherZone()
    {
        (InstanceFacts doomed, StepOutcome outcome) = await ReplaceWithDryAltPoolAsync(new GroupConfig
        {
            GroupName = Group,
            ReplacementStrategy = ReplacementStrategy.Launch,
            AlternativeInstanceTypes = ["c5.large"],
            DetachingDelaySeconds = 0,
        });

        Assert.Equal(StepStatus.Done, outcome.Status);
        Instance successor = Assert.Single(await new MotoScene(_factory).InstancesAsync(outcome.Details["successor_instance_id"]));
        Assert.NotEqual(doomed.AvailabilityZone, successor.Placement.AvailabilityZone);
        Assert.Equal(("c5.large", "spot"), (outcome.Details["successor_type"], outcome.Details["successor_market"]));
        Assert.Single(_proxy.Calls, c => c.Action == "CreateFleet");
    }

    /// <summary>No c5.large Spot capacity in the doomed instance's zone; the replace step runs on a fresh warning.</summary>
    private async Task<(InstanceFacts Doomed, StepOutcome Outcome)> ReplaceWithDryAltPoolAsync(GroupConfig config)
    {
        string doomedId = (await DescribeGroupAsync()).Instances[0].InstanceId;
        InstanceFacts doomed = (await _services.Inventory.DescribeInstanceAsync(doomedId, CancellationToken.None))!;
        _proxy.Dry($"c5.large/spot@{doomed.AvailabilityZone}");
        DateTimeOffset warning = DateTimeOffset.UtcNow;
        RemediationRequest request = await ReplaceRequests.BeginAsync(_services.Ledger, doomed, config, warning);
        StepOutcome outcome = await new ReplaceWiring(_services).Step.RunAsync(request, CancellationToken.None);
        return (doomed, outcome);
    }

    private async Task<AutoScalingGroupInfo> DescribeGroupAsync() =>
        Assert.Single(await _factory.AutoScaling.DescribeAutoScalingGroupsAsync([Group], CancellationToken.None));
}
