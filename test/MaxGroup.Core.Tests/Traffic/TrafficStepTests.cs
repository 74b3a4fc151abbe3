using MaxGroup.Core.Steps.Traffic;
using MaxGroup.Core.Tests.Polling;

namespace MaxGroup.Core.Tests.Traffic;

/// <summary>
/// The traffic step's wait for draining, which moto cannot show (it ends a deregistration at once), on a clock whose
/// timers fire a millisecond before its stopwatch has moved as far (as Linux's whole-millisecond timers may).
/// </summary>
public sealed class TrafficStepTests
{
    private const string Doomed = "i-0123456789abcdef0";

    private readonly EarlyTimerClock _clock = new(TimeSpan.FromMilliseconds(1));

    [Fact]
    public async Task Traffic_TargetDrainingForOneRead_WaitsUntilItLeavesDraining()
    {
        (TrafficStep step, FakeLoadBalancers elb) = Step(delaySeconds: 300, drainingReads: 1);

        StepOutcome outcome = await step.RunAsync(Request(10), CancellationToken.None);

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal(["DeregisterTargets tg-web"], elb.Calls);
        Assert.Equal("drained after 2.0 s", outcome.Details["wait"]);
        Assert.Equal(1, _clock.Timers);
        Assert.False(outcome.Details.ContainsKey("still_draining"));
    }

    [Fact]
    public async Task Traffic_TargetStillDrainingAtTheCap_CutsTheWaitAndSaysSo()
    {
        (TrafficStep step, _) = Step(delaySeconds: 300, drainingReads: 1000);

        StepOutcome outcome = await step.RunAsync(Request(1), CancellationToken.None);

        // One wait of the whole second, then the cut: not a poll per microsecond for the millisecond the timer left.
        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal("wait cut at 1.0 s with tg-web still draining", outcome.Details["wait"]);
        Assert.Equal("tg-web", outcome.Details["still_draining"]);
        Assert.Equal(1, _clock.Timers);
    }

    [Fact]
    public async Task Traffic_DeregistrationDelayShorterThanTheCap_WaitsOnlyTheDelay()
    {
        (TrafficStep step, _) = Step(delaySeconds: 0, drainingReads: 1000);

        StepOutcome outcome = await step.RunAsync(Request(30), CancellationToken.None);

        Assert.Equal("wait cut at 0.0 s with tg-web still draining", outcome.Details["wait"]);
        Assert.Equal(0, _clock.Timers);
    }

    private (TrafficStep Step, FakeLoadBalancers Elb) Step(int delaySeconds, int drainingReads)
    {
        var autoScaling = new FakeAutoScalingWithTargets("web", ["tg-web"]);
        var elb = new FakeLoadBalancers();
        elb.AddTargetGroup("tg-web", "instance", delaySeconds, drainingReads, Doomed);
        return (new TrafficStep(autoScaling, elb, _clock), elb);
    }

    private RemediationRequest Request(int waitSeconds)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        return new RemediationRequest
        {
            Step = StepNames.Traffic,
            EventId = "ev-1",
            WarningTime = now,
            ReclaimAt = now + TimeSpan.FromSeconds(120),
            Instance = new InstanceFacts { InstanceId = Doomed, AvailabilityZone = "us-east-1a", InstanceType = "m5.large", State = "running", GroupName = "web" },
            Config = new GroupConfig { GroupName = "web", LbDeregistrationWaitSeconds = waitSeconds },
        };
    }

    /// <summary>The group as Auto Scaling describes it with target groups (the shared fake has none).</summary>
    private sealed class FakeAutoScalingWithTargets(string name, IReadOnlyList<string> targetGroups) : DelegatingAutoScalingApi(new FakeAutoScaling())
    {
        public override Task<IReadOnlyList<AutoScalingGroupInfo>> DescribeAutoScalingGroupsAsync(IReadOnlyList<string> groupNames, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<AutoScalingGroupInfo>>([new AutoScalingGroupInfo { Name = name, TargetGroupArns = targetGroups }]);
    }
}
