using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Tests.Capacity;
using MaxGroup.Core.Tests.Replace;

namespace MaxGroup.Core.Tests.Dispatch;

public sealed class CapacityPrefetchTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private readonly InMemorySpotPoolBans _bans = new();
    private readonly FakeTimeProvider _clock = new(Now);

    [Fact]
    public async Task SpotWarning_BansItsPoolForTheConfiguredMinutesAndHandsTheBansOn()
    {
        await _bans.BanAsync("c5.large", "us-east-1b", Now.AddMinutes(1), CancellationToken.None);

        ReplacePrefetch prefetch = await Prefetch().AddAsync(
            new ReplacePrefetch(), Samples.Instance("i-1"), null, new GroupConfig { SpotPoolBanMinutes = 5 }, HandoverTrigger.SpotWarning, dryRun: false, CancellationToken.None);

        SpotPoolBan stored = Assert.Single(await _bans.ActiveAsync(Now, CancellationToken.None), b => b.InstanceType == "m5.large");
        Assert.Equal(new SpotPoolBan("m5.large", "us-east-1a", Now.AddMinutes(5)), stored);
        Assert.Equal(["c5.large", "m5.large"], prefetch.BannedPools!.Select(b => b.InstanceType).Order());
    }

    [Theory]
    [InlineData("on-demand", 3, false)]
    [InlineData("spot", 0, false)]
    [InlineData("spot", 3, true)]
    public async Task NoBanWritten_OnDemandOrBansOffOrDryRun(string lifecycle, int minutes, bool dryRun)
    {
        await Prefetch().AddAsync(
            new ReplacePrefetch(), Samples.Instance("i-1") with { Lifecycle = lifecycle }, null, new GroupConfig { SpotPoolBanMinutes = minutes },
            HandoverTrigger.SpotWarning, dryRun, CancellationToken.None);

        Assert.Empty(await _bans.ActiveAsync(Now, CancellationToken.None));
    }

    [Fact]
    public async Task GroupWithSubnets_ZonesLookedUpOnceForTheReplaceStep()
    {
        var fleet = new FakeFleetLauncher(new FakeLauncher(new FakeInventory()), new Dictionary<string, string> { ["subnet-a"] = "us-east-1a", ["subnet-b"] = "us-east-1b" });
        var group = new AutoScalingGroupInfo { Name = "web", SubnetIds = ["subnet-a", "subnet-b"] };

        ReplacePrefetch prefetch = await new CapacityPrefetch(_bans, fleet, _clock, NullLogger.Instance).AddAsync(
            new ReplacePrefetch(), Samples.Instance("i-1"), group, new GroupConfig(), HandoverTrigger.SpotWarning, dryRun: false, CancellationToken.None);

        Assert.Equal("us-east-1b", prefetch.SubnetZones!["subnet-b"]);
    }

    [Fact]
    public async Task BanExpires_AfterItsMinutes()
    {
        await Prefetch().AddAsync(
            new ReplacePrefetch(), Samples.Instance("i-1"), null, new GroupConfig { SpotPoolBanMinutes = 3 }, HandoverTrigger.SpotWarning, dryRun: false, CancellationToken.None);

        Assert.Single(await _bans.ActiveAsync(Now.AddMinutes(2.9), CancellationToken.None));
        Assert.Empty(await _bans.ActiveAsync(Now.AddMinutes(3), CancellationToken.None));
    }

    private CapacityPrefetch Prefetch() => new(_bans, null, _clock, NullLogger.Instance);
}
