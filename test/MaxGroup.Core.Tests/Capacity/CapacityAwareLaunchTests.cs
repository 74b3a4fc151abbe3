using MaxGroup.Core.Steps.Capacity;
using MaxGroup.Core.Tests.Replace;

namespace MaxGroup.Core.Tests.Capacity;

public sealed class CapacityAwareLaunchTests
{
    private const string Doomed = "i-0000000000000000d";
    private static readonly Dictionary<string, string> Zones = new()
    {
        ["subnet-a"] = "us-east-1a",
        ["subnet-a2"] = "us-east-1a",
        ["subnet-b"] = "us-east-1b",
    };

    private readonly FakeFleetLauncher _fleet = new(new FakeLauncher(new FakeInventory()), Zones);

    [Fact]
    public async Task Launch_MarketBlocks_OneCreateFleetPerBlockInThePlannersOrder()
    {
        _fleet.Serial.FailWith["m5.large/spot"] = "InsufficientInstanceCapacity";
        _fleet.Serial.FailWith["m5.large/on-demand"] = "InsufficientInstanceCapacity";

        SuccessorLaunchResult result = await LaunchAsync(Request("m5.large/spot", "m5.large/on-demand", "c5.large/spot"));

        Assert.Equal([PurchaseMarket.Spot, PurchaseMarket.OnDemand, PurchaseMarket.Spot], _fleet.Fleets.Select(f => f.Market));
        Assert.Equal(["token-0", "token-1", "token-2"], _fleet.Fleets.Select(f => f.ClientToken));
        Assert.Equal(new LaunchCandidate("c5.large", PurchaseMarket.Spot), result.Used);
        Assert.Equal(3, result.Calls);
        Assert.Equal(SuccessorLaunchResult.CreateFleetApi, result.Api);
    }

    [Fact]
    public async Task Launch_EverySubnetOfTheGroup_TypeMajorWithTheInstancesSubnetFirst()
    {
        await LaunchAsync(Request("m5.large/spot", "c5.large/spot"));

        Assert.Equal(
            ["m5.large@subnet-a", "m5.large@subnet-b", "m5.large@subnet-a2", "c5.large@subnet-a", "c5.large@subnet-b", "c5.large@subnet-a2"],
            _fleet.Fleets.Single().Pools.Select(p => p.ToString()));
    }

    [Fact]
    public async Task Launch_StayInZone_OnlySubnetsOfTheInstancesZone()
    {
        await LaunchAsync(Request("m5.large/spot") with { StayInZone = true });

        Assert.Equal(["m5.large@subnet-a", "m5.large@subnet-a2"], _fleet.Fleets.Single().Pools.Select(p => p.ToString()));
    }

    [Fact]
    public async Task Launch_BannedSpotPool_LeftOutOnDemandOfTheSameTypeKept()
    {
        SuccessorLaunchRequest request = Request("m5.large/spot", "m5.large/on-demand") with
        {
            StayInZone = true,
            BannedPools = [new SpotPoolBan("m5.large", "us-east-1a", DateTimeOffset.UnixEpoch)],
        };

        SuccessorLaunchResult result = await LaunchAsync(request);

        Assert.Equal(PurchaseMarket.OnDemand, Assert.Single(_fleet.Fleets).Market);
        Assert.Equal(CapacityAwareLaunch.PoolBanned, result.Attempts[0].ErrorCode);
        Assert.Equal(PurchaseMarket.OnDemand, result.Used?.Market);
    }

    [Fact]
    public async Task Launch_EveryPoolBannedAndNothingElse_BannedPoolsStillTried()
    {
        SuccessorLaunchRequest request = Request("m5.large/spot") with
        {
            StayInZone = true,
            BannedPools = [new SpotPoolBan("m5.large", "us-east-1a", DateTimeOffset.UnixEpoch)],
        };

        SuccessorLaunchResult result = await LaunchAsync(request);

        Assert.NotNull(result.InstanceId);
        Assert.Equal(2, _fleet.Fleets.Single().Pools.Count);
    }

    [Fact]
    public async Task Launch_CreateFleetRefused_SerialRunInstancesSaysWhy()
    {
        _fleet.Refuse = ("UnauthorizedOperation", 403);
        _fleet.Serial.FailWith["m5.large/spot"] = "InsufficientInstanceCapacity";

        SuccessorLaunchResult result = await LaunchAsync(Request("m5.large/spot", "c5.large/spot"));

        Assert.Equal(SuccessorLaunchResult.RunInstancesApi, result.Api);
        Assert.Equal("UnauthorizedOperation", result.FleetRefusal);
        Assert.Equal(["m5.large/spot", "c5.large/spot"], _fleet.Serial.Attempts.Select(a => a.Candidate.ToString()));
        Assert.Equal(new LaunchCandidate("c5.large", PurchaseMarket.Spot), result.Used);
    }

    [Fact]
    public async Task Launch_CreateFleetAnswerLost_NotARefusalNoRunInstances()
    {
        _fleet.Refuse = ("NoResponse", 0);

        RemoteApiException error = await Assert.ThrowsAsync<RemoteApiException>(() => LaunchAsync(Request("m5.large/spot")));

        Assert.Equal("NoResponse", error.ErrorCode);
        Assert.Empty(_fleet.Serial.Attempts);
    }

    [Fact]
    public async Task Launch_PoolsFailForAnotherReason_RunInstancesDecidesAndItsErrorReachesTheCaller()
    {
        _fleet.PoolError = "InvalidLaunchTemplateId.NotFound";
        _fleet.Serial.FailWith["m5.large/spot"] = "InvalidLaunchTemplateId.NotFound";

        RemoteApiException error = await Assert.ThrowsAsync<RemoteApiException>(() => LaunchAsync(Request("m5.large/spot", "m5.large/on-demand")));

        Assert.Equal("InvalidLaunchTemplateId.NotFound", error.ErrorCode);
        Assert.Single(_fleet.Fleets);
        Assert.Single(_fleet.Serial.Attempts);
    }

    [Fact]
    public async Task Launch_SerialPath_BannedSpotCandidateInTheInstancesZoneSkipped()
    {
        var serial = new FakeLauncher(new FakeInventory());
        SuccessorLaunchRequest request = Request("m5.large/spot", "c5.large/spot") with
        {
            BannedPools = [new SpotPoolBan("m5.large", "us-east-1a", DateTimeOffset.UnixEpoch)],
        };

        SuccessorLaunchResult result = await new SuccessorLaunch(serial, NullLogger.Instance).LaunchAsync(request, CapacityCalls.Once, CancellationToken.None);

        Assert.Equal(["c5.large/spot"], serial.Attempts.Select(a => a.Candidate.ToString()));
        Assert.Equal(SuccessorLaunchResult.RunInstancesApi, result.Api);
    }

    private Task<SuccessorLaunchResult> LaunchAsync(SuccessorLaunchRequest request) =>
        new SuccessorLaunch(_fleet, NullLogger.Instance).LaunchAsync(request, CapacityCalls.Once, CancellationToken.None);

    private static SuccessorLaunchRequest Request(params string[] candidates) => new()
    {
        LaunchTemplate = new LaunchTemplateRef("lt-1", null, "3"),
        Candidates = candidates.Select(Parse).ToList(),
        SubnetId = "subnet-a",
        AvailabilityZone = "us-east-1a",
        Subnets = ["subnet-b", "subnet-a2", "subnet-a"],
        Tags = new Dictionary<string, string> { [SuccessorTags.Group] = "web", [SuccessorTags.Replaces] = Doomed },
        ClientToken = index => $"token-{index}",
    };

    private static LaunchCandidate Parse(string text)
    {
        string[] parts = text.Split('/');
        return new LaunchCandidate(parts[0], parts[1] == "spot" ? PurchaseMarket.Spot : PurchaseMarket.OnDemand);
    }
}
