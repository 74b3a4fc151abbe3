using MaxGroup.Core.Ledger;
using MaxGroup.Kubernetes.Budget;

namespace MaxGroup.Integration.Tests.Kubernetes;

/// <summary>
/// Issue 24, drain at fleet scale: the Kubernetes API budget holds per cluster, not per drain function instance. Small
/// fleets here (fast); the 50-node figures are Bench/FleetDrainBenchTests.
/// </summary>
public sealed class ClusterBudgetTests
{
    private const double ClusterQps = 15;

    [Fact]
    public async Task SharedBudget_SixNodesDrainedAtOnce_PeakAtTheApiServerWithinTheClusterBudget()
    {
        FleetDrain.Result result = await FleetDrain.RunAsync(
            nodes: 6, podsPerNode: 4, instanceQps: 20, new InMemoryClusterRequestWindows(), ClusterQps, TimeSpan.FromSeconds(90));

        Assert.All(result.Outcomes, o => Assert.Equal(StepStatus.Done, o.Status));
        Assert.All(result.Outcomes, o => Assert.Equal("4", o.Details["evicted_count"]));
        Assert.True(result.PeakPerSecond <= ClusterQps, $"{result.PeakPerSecond} requests reached the API server in one second; the cluster's budget is {ClusterQps}");
        Assert.Equal(0, result.BudgetUnavailable);
    }

    [Fact]
    public async Task NoSharedBudget_SameFleet_PeakExceedsWhatOneInstanceMaySend()
    {
        // What the shared budget prevents: each instance within its own bucket, together far above it.
        FleetDrain.Result result = await FleetDrain.RunAsync(
            nodes: 6, podsPerNode: 4, instanceQps: ClusterQps, windows: null, ClusterQps, TimeSpan.FromSeconds(90));

        Assert.All(result.Outcomes, o => Assert.Equal(StepStatus.Done, o.Status));
        Assert.True(result.PeakPerSecond > ClusterQps, $"peak {result.PeakPerSecond}: six unshared instances should exceed one instance's {ClusterQps} QPS");
    }

    [Fact]
    public async Task SharedBudgetUnreachable_DrainsGoOnUnderTheirOwnBudgetAndSaySo()
    {
        FleetDrain.Result result = await FleetDrain.RunAsync(
            nodes: 2, podsPerNode: 2, instanceQps: 20, new UnreachableWindows(), ClusterQps, TimeSpan.FromSeconds(60));

        Assert.All(result.Outcomes, o => Assert.Equal(StepStatus.Done, o.Status));
        Assert.InRange(result.BudgetUnavailable, 2, result.Requests);
    }

    [Theory]
    [InlineData(50, 8)]
    [InlineData(100, 16)]
    [InlineData(20, 3)]
    [InlineData(6, 1)]
    [InlineData(7.5, 1)]
    public void PerWindow_AnyOneSecondSpanOfSixWindows_StaysWithinTheQps(double qps, int perWindow)
    {
        var budget = new ClusterRequestBudget(new InMemoryClusterRequestWindows(), "prod", qps, TimeProvider.System, _ => { });

        Assert.Equal(perWindow, budget.PerWindow);
        // A 1 s span touches at most 1 s / 250 ms + 1 = 5 windows; one more for requests that arrive late.
        Assert.True(6 * budget.PerWindow <= qps, $"6 x {budget.PerWindow} > {qps}");
    }

    [Theory]
    [InlineData(null, ClusterRequestBudget.DefaultQps)]
    [InlineData("", ClusterRequestBudget.DefaultQps)]
    [InlineData("100", 100.0)]
    [InlineData("0", null)]
    [InlineData("off", null)]
    [InlineData(" OFF ", null)]
    public void QpsFromEnvironment_ValidValues_ReadAsDocumented(string? value, double? expected)
    {
        Assert.Equal(expected, ClusterRequestBudget.QpsFromEnvironment(name => name == ClusterRequestBudget.QpsVariable ? value : null));
    }

    [Theory]
    [InlineData("fifty")]
    [InlineData("-5")]
    [InlineData("5")]
    public void QpsFromEnvironment_BadValue_ErrorNamesTheVariableAndTheValue(string value)
    {
        FormatException error = Assert.Throws<FormatException>(() => ClusterRequestBudget.QpsFromEnvironment(_ => value));

        Assert.Contains(ClusterRequestBudget.QpsVariable, error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", error.Message, StringComparison.Ordinal);
    }

    private sealed class UnreachableWindows : IClusterRequestWindows
    {
        public ValueTask<int> TakeAsync(string cluster, long window, int wanted, int limit, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
            throw new RemoteApiException("dynamodb", "ProvisionedThroughputExceededException", "throttled", 400);
    }
}
