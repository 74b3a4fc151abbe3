using MaxGroup.Core.Dispatch;

namespace MaxGroup.Core.Tests.Dispatch;

/// <summary>
/// The begin waits for the group's description only when the step plan can depend on it (a traffic step): otherwise it
/// leaves beside the description, one round trip fewer before the successor request, and the replace step still gets
/// the group.
/// </summary>
public sealed class BeginBesideDescriptionTests
{
    private const string Id = "i-0be51de000000001";
    private readonly FakeTimeProvider _clock = new(Samples.WarningTime + TimeSpan.FromSeconds(2));
    private readonly ObservedLedger _ledger = new(new InMemoryLedger());
    private readonly FakeInventory _inventory = new();
    private readonly FakeConfigSource _configs = new();
    private readonly RecordingInvoker _invoker = new();
    private readonly HeldDescription _autoScaling;

    public BeginBesideDescriptionTests()
    {
        _inventory.Add(Samples.Instance(Id));
        var groups = new FakeAutoScaling();
        groups.AddGroup("web", 1, 4, [Id]);
        _autoScaling = new HeldDescription(groups);
    }

    [Fact]
    public async Task Warning_NoTrafficStep_BeginsWhileTheGroupIsStillBeingDescribed()
    {
        _configs.Add(new GroupConfig { GroupName = "web" });
        bool describedAtBegin = true;
        _ledger.BeforeBegin = () =>
        {
            describedAtBegin = _autoScaling.Answered;
            _autoScaling.Release();
        };

        DispatchResult result = await Dispatcher().DispatchAsync(Samples.Warning(Id), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(DispatchStatus.Started, result.Status);
        Assert.False(describedAtBegin);
        RemediationRequest replace = Assert.Single(_invoker.Started);
        Assert.Equal("web", replace.Prefetch?.Group?.Name);
    }

    [Fact]
    public async Task Warning_TrafficStepButGroupWithoutLoadBalancer_BeginsFirstThenRecordsTrafficNoOpNeverStarted()
    {
        _configs.Add(new GroupConfig { GroupName = "web", LbDeregistration = true });
        bool describedAtBegin = true;
        _ledger.BeforeBegin = () =>
        {
            describedAtBegin = _autoScaling.Answered;
            _autoScaling.Release();
        };

        DispatchResult result = await Dispatcher().DispatchAsync(Samples.Warning(Id), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(describedAtBegin);
        Assert.Equal(["replace"], result.Steps);
        Assert.Equal(["replace"], _invoker.Started.Select(r => r.Step));
        StepRecord traffic = (await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep("traffic")!;
        // Nothing to deregister is not a failure: a Skipped step would make the hand-over's event "Hand-over Failed".
        Assert.Equal(StepStatus.NoOp, traffic.Status);
        Assert.Equal("the group has no target group or Classic Load Balancer", traffic.Reason);
    }

    [Fact]
    public async Task Warning_TrafficStepAndLoadBalancedGroup_StartsTrafficBesideReplace()
    {
        var groups = new FakeAutoScaling();
        groups.AddGroup("web", 1, 4, [Id]);
        _configs.Add(new GroupConfig { GroupName = "web", LbDeregistration = true });
        var balanced = new LoadBalanced(groups);
        var dispatcher = new Dispatcher(
            _inventory, _configs, _ledger, _invoker, NullVolumeTriggers.Instance,
            new DispatcherOptions { ClaimFirstStep = true, IssueClaimTokens = true }, _clock, new RecordingMetrics(), NullLogger.Instance, balanced);

        DispatchResult result = await dispatcher.DispatchAsync(Samples.Warning(Id), CancellationToken.None);

        Assert.Equal(["replace", "traffic"], result.Steps);
        Assert.Equal(["replace", "traffic"], _invoker.Started.Select(r => r.Step).Order(StringComparer.Ordinal));
        Assert.Equal(StepStatus.Pending, (await _ledger.GetAsync(Id, CancellationToken.None))!.FindStep("traffic")!.Status);
    }

    private Dispatcher Dispatcher() => new(
        _inventory, _configs, _ledger, _invoker, NullVolumeTriggers.Instance,
        new DispatcherOptions { ClaimFirstStep = true, IssueClaimTokens = true }, _clock, new RecordingMetrics(), NullLogger.Instance, _autoScaling);

    /// <summary>The group as if it had a target group.</summary>
    private sealed class LoadBalanced(IAutoScalingApi inner) : DelegatingAutoScalingApi(inner)
    {
        public override async Task<IReadOnlyList<AutoScalingGroupInfo>> DescribeAutoScalingGroupsAsync(IReadOnlyList<string> groupNames, CancellationToken cancellationToken) =>
            [.. (await base.DescribeAutoScalingGroupsAsync(groupNames, cancellationToken)).Select(g => g with { TargetGroupArns = ["arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1"] })];
    }

    /// <summary>DescribeAutoScalingGroups answers only once released.</summary>
    private sealed class HeldDescription(IAutoScalingApi inner) : DelegatingAutoScalingApi(inner)
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Answered { get; private set; }

        public void Release() => _released.TrySetResult();

        public override async Task<IReadOnlyList<AutoScalingGroupInfo>> DescribeAutoScalingGroupsAsync(IReadOnlyList<string> groupNames, CancellationToken cancellationToken)
        {
            await _released.Task.WaitAsync(cancellationToken);
            IReadOnlyList<AutoScalingGroupInfo> groups = await base.DescribeAutoScalingGroupsAsync(groupNames, cancellationToken);
            Answered = true;
            return groups;
        }
    }
}
