namespace MaxGroup.Integration.Tests.Bench;

/// <summary>The counting rule of the critical-path benchmark on hand-made timelines: sequential = nothing earlier still in flight.</summary>
public sealed class CriticalPathAnalysisTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Analyse_OverlappingAndChainedCalls_CountsOnlyCallsStartedAfterAllEarlierOnesEnded()
    {
        ProxiedCall[] calls =
        [
            Call("RunInstances", 100, 120),
            Call("GetItem", 0, 10),
            Call("DescribeInstances", 10, 30),
            Call("GetObject", 31, 60),
            Call("DescribeAutoScalingGroups", 35, 50),
            Call("TransactWriteItems", 55, 70),
            Call("PutItem", 70, 90),
        ];

        CriticalPathTests.CriticalPath path = CriticalPathTests.Analyse(calls, T0, "RunInstances");

        Assert.True(path.SuccessorRequested);
        Assert.Equal(6, path.Rows.Count);
        Assert.Equal(["GetItem", "DescribeInstances", "GetObject", "PutItem"], path.Rows.Where(r => r.Sequential).Select(r => r.Call.Action));
        Assert.Equal(4, path.Sequential);
        Assert.Equal(TimeSpan.FromMilliseconds(100), path.UntilSuccessor);
    }

    [Fact]
    public void Analyse_CallStillInFlightWhenTheSuccessorRequestLeft_IsBesideThePathAndHoldsNothingBack()
    {
        ProxiedCall[] calls =
        [
            Call("GetItem", 0, 10),
            Call("PutEvents", 12, 40),
            Call("TransactWriteItems", 15, 25),
            Call("RunInstances", 26, 50),
        ];

        CriticalPathTests.CriticalPath path = CriticalPathTests.Analyse(calls, T0, "RunInstances");

        Assert.Equal(["GetItem", "TransactWriteItems"], path.Rows.Where(r => r.Sequential).Select(r => r.Call.Action));
        Assert.Equal(2, path.Sequential);
    }

    [Fact]
    public void Analyse_CallEndedAsTheSuccessorRequestLeft_StaysOnThePath()
    {
        ProxiedCall[] calls = [Call("GetItem", 0, 10), Call("PutEvents", 11, 20), Call("RunInstances", 20, 30)];

        CriticalPathTests.CriticalPath path = CriticalPathTests.Analyse(calls, T0, "RunInstances");

        Assert.Equal(2, path.Sequential);
    }

    [Fact]
    public void Analyse_NoSuccessorRequest_ReportsItMissing()
    {
        CriticalPathTests.CriticalPath path = CriticalPathTests.Analyse([Call("GetItem", 0, 10)], T0, "RunInstances");

        Assert.False(path.SuccessorRequested);
        Assert.Null(path.UntilSuccessor);
    }

    private static ProxiedCall Call(string action, int startMs, int endMs) =>
        new("svc", action, T0.AddMilliseconds(startMs), T0.AddMilliseconds(endMs), 200, "none");
}
