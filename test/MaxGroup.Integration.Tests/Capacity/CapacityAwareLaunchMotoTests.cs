using Amazon.EC2.Model;
using MaxGroup.Aws.Ec2;
using MaxGroup.Core.Steps.Capacity;

namespace MaxGroup.Integration.Tests.Capacity;

/// <summary>
/// The successor launch on moto through the fault proxy, which gives EC2 capacity AWS's documented semantics moto lacks
/// (<see cref="AwsFaultProxy.Dry"/>: a dry pool answers RunInstances with InsufficientInstanceCapacity, HTTP 500; an
/// instant CreateFleet skips it and lists it in its errorSet), and CreateFleet's and RunInstances' ClientToken replay.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class CapacityAwareLaunchMotoTests(MotoFixture moto) : IAsyncLifetime
{
    private const string Doomed = "i-0123456789abcdef0";
    private AwsFaultProxy _proxy = null!;
    private AwsClientFactory _aws = null!;
    private string _template = "";
    private IReadOnlyList<(string Subnet, string Zone)> _subnets = [];

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        _proxy = await AwsFaultProxy.StartAsync(moto.Endpoint);
        _aws = AwsTestClients.EndpointFactory(_proxy.Endpoint, AwsTestClients.FastRetry());
        _template = await new MotoScene(_aws).LaunchTemplateAsync("cap-lt");
        DescribeSubnetsResponse subnets = await _aws.Ec2.DescribeSubnetsAsync(new DescribeSubnetsRequest());
        _subnets = subnets.Subnets.OrderBy(s => s.AvailabilityZone, StringComparer.Ordinal).Select(s => (s.SubnetId, s.AvailabilityZone)).ToList();
        foreach ((string subnet, string zone) in _subnets)
        {
            _proxy.SubnetZones[subnet] = zone;
        }

        _proxy.ClearCalls();
    }

    public async Task DisposeAsync()
    {
        _aws.Dispose();
        await _proxy.DisposeAsync();
    }

    [Fact]
    public async Task Launch_FirstSpotCandidatesDry_OneCreateFleetLaunchesTheFirstWithCapacity()
    {
        _proxy.Dry("m5.large/spot", "c5.large/spot");

        SuccessorLaunchResult result = await LaunchAsync(Request("m5.large/spot", "c5.large/spot", "m5a.large/spot", "m5.large/on-demand"));

        Assert.Equal(SuccessorLaunchResult.CreateFleetApi, result.Api);
        Assert.Equal(1, result.Calls);
        Assert.Equal(["CreateFleet"], Ec2Launches());
        Instance launched = await InstanceAsync(result.InstanceId);
        Assert.Equal("m5a.large", launched.InstanceType.Value);
        Assert.Equal("spot", launched.InstanceLifecycle?.Value);
        Assert.Equal(new LaunchCandidate("m5a.large", PurchaseMarket.Spot), result.Used);
        Assert.Contains("m5.large/spot: InsufficientInstanceCapacity", result.AttemptsText, StringComparison.Ordinal);
        Assert.Contains("c5.large/spot: InsufficientInstanceCapacity", result.AttemptsText, StringComparison.Ordinal);
        Assert.Equal(Doomed, launched.Tags.Single(t => t.Key == SuccessorTags.Replaces).Value);
    }

    [Fact]
    public async Task Launch_EverySpotPoolDry_OnDemandBlockIsTheSecondCall()
    {
        _proxy.Dry("m5.large/spot", "c5.large/spot");

        SuccessorLaunchResult result = await LaunchAsync(Request("m5.large/spot", "c5.large/spot", "m5.large/on-demand", "c5.large/on-demand"));

        Assert.Equal(2, result.Calls);
        Assert.Equal(["CreateFleet", "CreateFleet"], Ec2Launches());
        Instance launched = await InstanceAsync(result.InstanceId);
        Assert.Equal("m5.large", launched.InstanceType.Value);
        Assert.Null(launched.InstanceLifecycle?.Value);
        Assert.Equal(PurchaseMarket.OnDemand, result.Used?.Market);
    }

    [Fact]
    public async Task Launch_NoPoolHasCapacity_NothingLaunchedEveryErrorSaid()
    {
        _proxy.Dry("m5.large", "c5.large");

        SuccessorLaunchResult result = await LaunchAsync(Request("m5.large/spot", "c5.large/spot", "m5.large/on-demand"));

        Assert.Null(result.InstanceId);
        Assert.Equal(2, result.Calls);
        Assert.Empty(await new MotoScene(_aws).InstanceIdsAsync());
        Assert.Equal(3, result.Attempts.Count(a => a.ErrorCode == "InsufficientInstanceCapacity"));
    }

    [Fact]
    public async Task Launch_CreateFleetRefused_RunInstancesOncePerCandidateNoSdkRetryOfCapacityErrors()
    {
        _proxy.FailNext("CreateFleet", "unauthorized");
        _proxy.Dry("m5.large/spot", "c5.large/spot");

        SuccessorLaunchResult result = await LaunchAsync(Request("m5.large/spot", "c5.large/spot", "m5a.large/spot"));

        Assert.Equal(SuccessorLaunchResult.RunInstancesApi, result.Api);
        Assert.Equal("UnauthorizedOperation", result.FleetRefusal);
        // Each dry pool once: the SDK's retry policy leaves InsufficientInstanceCapacity (HTTP 500) to Core.
        Assert.Equal(["CreateFleet", "RunInstances", "RunInstances", "RunInstances"], Ec2Launches());
        Assert.Equal("m5a.large", (await InstanceAsync(result.InstanceId)).InstanceType.Value);
    }

    [Fact]
    public async Task Launch_VolumePinsTheZone_DryInItMovesToAnotherTypeNotAnotherZone()
    {
        (string subnet, string zone) = _subnets[1];
        _proxy.Dry($"m5.large@{zone}");

        SuccessorLaunchResult result = await LaunchAsync(Request(subnet, zone, stayInZone: true, "m5.large/spot", "c5.large/spot"));

        Instance launched = await InstanceAsync(result.InstanceId);
        Assert.Equal(zone, launched.Placement.AvailabilityZone);
        Assert.Equal("c5.large", launched.InstanceType.Value);
    }

    [Fact]
    public async Task Launch_NotPinned_DryZoneOfTheInstanceMovesToAnotherZoneOfTheGroup()
    {
        (string subnet, string zone) = _subnets[1];
        _proxy.Dry($"m5.large@{zone}");

        SuccessorLaunchResult result = await LaunchAsync(Request(subnet, zone, stayInZone: false, "m5.large/spot", "c5.large/spot"));

        Instance launched = await InstanceAsync(result.InstanceId);
        Assert.Equal("m5.large", launched.InstanceType.Value);
        Assert.NotEqual(zone, launched.Placement.AvailabilityZone);
        Assert.Contains(launched.SubnetId, _subnets.Select(s => s.Subnet));
    }

    [Fact]
    public async Task Launch_RetriedWithTheSameTokens_ReturnsTheFirstInstanceLaunchesNoSecond()
    {
        SuccessorLaunchRequest request = Request("m5.large/spot", "m5.large/on-demand");

        SuccessorLaunchResult first = await LaunchAsync(request);
        SuccessorLaunchResult again = await LaunchAsync(request);

        Assert.Equal(first.InstanceId, again.InstanceId);
        Assert.Single(await new MotoScene(_aws).InstanceIdsAsync());
    }

    [Fact]
    public async Task Launch_BannedSpotPool_LeftOutOfTheFleet()
    {
        (string subnet, string zone) = _subnets[0];
        SuccessorLaunchRequest request = Request(subnet, zone, stayInZone: true, "m5.large/spot", "c5.large/spot") with
        {
            BannedPools = [new SpotPoolBan("m5.large", zone, DateTimeOffset.UtcNow.AddMinutes(3))],
        };

        SuccessorLaunchResult result = await LaunchAsync(request);

        Assert.Equal("c5.large", (await InstanceAsync(result.InstanceId)).InstanceType.Value);
    }

    private Task<SuccessorLaunchResult> LaunchAsync(SuccessorLaunchRequest request) =>
        new SuccessorLaunch(new Ec2SuccessorLauncher(_aws.Ec2), NullLogger.Instance).LaunchAsync(request, CapacityCalls.Once, CancellationToken.None);

    private SuccessorLaunchRequest Request(params string[] candidates) => Request(_subnets[0].Subnet, _subnets[0].Zone, stayInZone: false, candidates);

    private SuccessorLaunchRequest Request(string subnet, string zone, bool stayInZone, params string[] candidates) => new()
    {
        LaunchTemplate = new LaunchTemplateRef(_template, null, "$Default"),
        Candidates = candidates.Select(Parse).ToList(),
        SubnetId = subnet,
        AvailabilityZone = zone,
        Subnets = _subnets.Select(s => s.Subnet).ToList(),
        StayInZone = stayInZone,
        Tags = new Dictionary<string, string> { [SuccessorTags.Group] = "web", [SuccessorTags.Replaces] = Doomed },
        ClientToken = index => $"maxgroup-{Doomed}-{index}",
    };

    private List<string> Ec2Launches() =>
        _proxy.Calls.Where(c => c.Action is "CreateFleet" or "RunInstances").Select(c => c.Action).ToList();

    private async Task<Instance> InstanceAsync(string? id)
    {
        Assert.NotNull(id);
        return Assert.Single(await new MotoScene(_aws).InstancesAsync(id));
    }

    private static LaunchCandidate Parse(string text)
    {
        string[] parts = text.Split('/');
        return new LaunchCandidate(parts[0], parts[1] == "spot" ? PurchaseMarket.Spot : PurchaseMarket.OnDemand);
    }
}
