using MaxGroup.Core.Steps.Capacity;
using MaxGroup.Core.Tests.Replace;

namespace MaxGroup.Core.Tests.Capacity;

public sealed class SuccessorLaunchTests
{
    private const string Doomed = "i-0000000000000000d";
    private readonly FakeLauncher _launcher = new(new FakeInventory());

    [Fact]
    public async Task Launch_CapacityErrors_TriesTheNextCandidateInOrder()
    {
        _launcher.FailWith["m5a.large/spot"] = "InsufficientInstanceCapacity";
        _launcher.FailWith["c5.large/spot"] = "SpotMaxPriceTooLow";

        SuccessorLaunchResult result = await LaunchAsync(["m5a.large/spot", "c5.large/spot", "m5.large/on-demand", "m5a.large/on-demand"]);

        Assert.Equal(new LaunchCandidate("m5.large", PurchaseMarket.OnDemand), result.Used);
        Assert.NotNull(result.InstanceId);
        Assert.Equal(["m5a.large/spot", "c5.large/spot", "m5.large/on-demand"], _launcher.Attempts.Select(a => a.Candidate.ToString()));
        Assert.Equal(
            $"m5a.large/spot: InsufficientInstanceCapacity; c5.large/spot: SpotMaxPriceTooLow; m5.large/on-demand: launched {result.InstanceId}",
            result.AttemptsText);
    }

    [Fact]
    public async Task Launch_EveryAttempt_SharesPlacementTemplateAndTagsWithItsOwnToken()
    {
        _launcher.FailWith["m5a.large/spot"] = "InsufficientInstanceCapacity";

        await LaunchAsync(["m5a.large/spot", "m5.large/spot"]);

        Assert.Equal(["token-0", "token-1"], _launcher.Attempts.Select(a => a.ClientToken));
        Assert.All(_launcher.Attempts, a =>
        {
            Assert.Equal("subnet-a", a.SubnetId);
            Assert.Equal("us-east-1a", a.AvailabilityZone);
            Assert.Equal(new LaunchTemplateRef("lt-1", null, "3"), a.LaunchTemplate);
            Assert.Equal(Doomed, a.Tags[SuccessorTags.Replaces]);
        });
    }

    [Fact]
    public async Task Launch_NoCandidateHasCapacity_NoInstanceAndEveryError()
    {
        _launcher.FailWith["m5.large/spot"] = "InsufficientInstanceCapacity";
        _launcher.FailWith["m5.large/on-demand"] = "Unsupported";

        SuccessorLaunchResult result = await LaunchAsync(["m5.large/spot", "m5.large/on-demand"]);

        Assert.Null(result.InstanceId);
        Assert.Null(result.Used);
        Assert.Equal("Unsupported", result.Attempts[^1].ErrorCode);
        Assert.Equal("m5.large/spot: InsufficientInstanceCapacity; m5.large/on-demand: Unsupported", result.AttemptsText);
    }

    [Fact]
    public async Task Launch_NoCandidates_SaysSoAndLaunchesNothing()
    {
        SuccessorLaunchResult result = await LaunchAsync([]);

        Assert.Null(result.InstanceId);
        Assert.Empty(_launcher.Attempts);
        Assert.Equal("no candidate instance type", result.AttemptsText);
    }

    [Fact]
    public async Task Launch_OtherError_ReachesTheCallerWithoutTryingTheNext()
    {
        _launcher.FailWith["m5.large/spot"] = "UnauthorizedOperation";

        RemoteApiException error = await Assert.ThrowsAsync<RemoteApiException>(() => LaunchAsync(["m5.large/spot", "m5.large/on-demand"]));

        Assert.Equal("UnauthorizedOperation", error.ErrorCode);
        Assert.Single(_launcher.Attempts);
    }

    private Task<SuccessorLaunchResult> LaunchAsync(IEnumerable<string> candidates) =>
        new SuccessorLaunch(_launcher, NullLogger.Instance).LaunchAsync(
            new SuccessorLaunchRequest
            {
                LaunchTemplate = new LaunchTemplateRef("lt-1", null, "3"),
                Candidates = candidates.Select(Parse).ToList(),
                SubnetId = "subnet-a",
                AvailabilityZone = "us-east-1a",
                Tags = new Dictionary<string, string> { [SuccessorTags.Group] = "web", [SuccessorTags.Replaces] = Doomed },
                ClientToken = index => $"token-{index}",
            },
            CapacityCalls.Once,
            CancellationToken.None);

    private static LaunchCandidate Parse(string text)
    {
        string[] parts = text.Split('/');
        return new LaunchCandidate(parts[0], parts[1] == "spot" ? PurchaseMarket.Spot : PurchaseMarket.OnDemand);
    }
}
