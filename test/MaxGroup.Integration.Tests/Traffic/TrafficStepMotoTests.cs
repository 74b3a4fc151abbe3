using System.Xml.Linq;
using Amazon.EC2.Model;
using MaxGroup.Aws.LoadBalancing;
using MaxGroup.Aws.Signing;
using MaxGroup.Core.Ledger;
using MaxGroup.Core.Routing;
using MaxGroup.Core.Runner;
using MaxGroup.Core.Steps.Drain;
using MaxGroup.Core.Steps.Traffic;
using MaxGroup.Integration.Tests.Kubernetes;
using MaxGroup.Kubernetes.Drain;

namespace MaxGroup.Integration.Tests.Traffic;

/// <summary>
/// The traffic step on moto (ELBv2 target groups, DeregisterTargets and DescribeTargetHealth are served) with the drain on
/// the Kubernetes simulator, both run through the runner and one ledger as their two functions would. Every AWS call goes
/// through a recording proxy in front of moto; the order is read from the proxy's records (when DeregisterTargets was
/// answered) and the simulator's (when each eviction was accepted). moto ends a deregistration at once (no draining
/// state, no deregistration delay), so the wait for draining is covered by the Core tests with a fake; here the drain is
/// started first and the traffic function 1.5 s late, so a drain that did not wait for the traffic step would evict first.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class TrafficStepMotoTests(MotoFixture moto) : IAsyncLifetime
{
    private const string Group = "web-asg";
    private AwsFaultProxy _proxy = null!;
    private AwsClientFactory _factory = null!;
    private ElasticLoadBalancingClient _elb = null!;

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        _proxy = await AwsFaultProxy.StartAsync(moto.Endpoint);
        _factory = AwsTestClients.EndpointFactory(_proxy.Endpoint, AwsTestClients.FastRetry());
        _elb = new ElasticLoadBalancingClient(
            _factory.CreateSignedClient(MaxGroup.Aws.AwsService.ElasticLoadBalancingV2),
            _factory.CreateSignedClient(MaxGroup.Aws.AwsService.ElasticLoadBalancing));
        await new MotoScene(_factory).LaunchTemplateAsync("lt-web", "m5.large");
    }

    public async Task DisposeAsync()
    {
        _factory.Dispose();
        await _proxy.DisposeAsync();
    }

    [Fact]
    public async Task TrafficThenDrain_GroupWithTargetGroups_InstanceOutOfInstanceTargetGroupBeforeFirstEviction()
    {
        string instanceGroup = await TargetGroupAsync("web-tg", "instance");
        string ipGroup = await TargetGroupAsync("web-ip-tg", "ip");
        string doomed = await GroupAsync(instanceGroup, ipGroup);
        Assert.Equal("healthy", (await HealthAsync(instanceGroup, doomed)).State);
        await using DrainHarness kube = await DrainHarness.StartAsync();
        kube.Server.AddNode("node-a", $"aws:///{DrainHarness.Zone}/{doomed}", DrainHarness.Zone);
        kube.Server.AddPod("default", "web-1", "node-a");
        kube.Server.AddPod("default", "web-2", "node-a");
        var ledger = new InMemoryLedger();
        GroupConfig config = kube.Config() with { GroupName = Group, LbDeregistrationWaitSeconds = 20 };
        RemediationRequest request = await BeginAsync(ledger, config, doomed, [StepNames.Replace, StepNames.Traffic, StepNames.Drain]);
        var runner = new RemediationRunner(ledger, TimeProvider.System, NullMetrics.Instance, NullLogger.Instance);
        var drain = new DrainStep(new KubernetesNodeDrainers(kube.Factory), TimeProvider.System, trafficGate: new LedgerTrafficGate(ledger, TimeProvider.System));
        _proxy.ClearCalls();

        Task<StepOutcome> drained = runner.RunAsync(drain, request with { Step = StepNames.Drain }, CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        StepOutcome traffic = await runner.RunAsync(Step(), request with { Step = StepNames.Traffic }, CancellationToken.None);
        StepOutcome drainOutcome = await drained;

        Assert.Equal(StepStatus.Done, traffic.Status);
        Assert.Equal(StepStatus.Done, drainOutcome.Status);
        ProxiedCall deregister = Assert.Single(_proxy.Calls, c => c.Action == "DeregisterTargets");
        Assert.Equal(200, deregister.Status);
        DateTimeOffset firstEviction = kube.Server.Evictions.Min(e => e.At);
        Assert.True(deregister.End < firstEviction, $"DeregisterTargets answered at {deregister.End:O}, first eviction at {firstEviction:O}");
        Assert.Equal(2, kube.Server.Evictions.Count);
        Assert.Equal("Target.NotRegistered", (await HealthAsync(instanceGroup, doomed)).Reason);
        // The IP-type group is the aws-load-balancer-controller's: left as it was.
        Assert.Null((await HealthAsync(ipGroup, doomed)).Reason);
        Assert.Equal("web-ip-tg", traffic.Details["left_to_controller"]);
        Assert.StartsWith("traffic step done after", drainOutcome.Details["traffic_wait"], StringComparison.Ordinal);
        InterruptionRecord record = (await ledger.GetAsync(doomed, CancellationToken.None))!;
        Assert.Equal(StepStatus.Done, record.FindStep(StepNames.Traffic)!.Status);
        Assert.Contains(record.Timeline, t => t.Step == StepNames.Traffic);
    }

    [Fact]
    public async Task Traffic_GroupWithoutLoadBalancers_MakesNoElbCall()
    {
        string doomed = await GroupAsync();
        _proxy.ClearCalls();

        StepOutcome outcome = await Step().RunAsync(Request(new GroupConfig { GroupName = Group }, doomed), CancellationToken.None);

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.Equal("the group has no target group and no Classic Load Balancer", outcome.Reason);
        Assert.All(_proxy.Calls, c => Assert.Equal("DescribeAutoScalingGroups", c.Action));
        Assert.Equal(["replace"], StepPlan.For(new GroupConfig { GroupName = Group }, HandoverTrigger.SpotWarning, await DescribeGroupAsync()));
    }

    [Fact]
    public async Task Traffic_DryRun_SaysWhatItWouldDoAndChangesNothing()
    {
        string targetGroup = await TargetGroupAsync("web-tg", "instance");
        string doomed = await GroupAsync(targetGroup);
        _proxy.ClearCalls();

        StepOutcome outcome = await Step().RunAsync(Request(new GroupConfig { GroupName = Group, DryRun = true }, doomed), CancellationToken.None);

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.StartsWith($"dry run: would deregister {doomed} from web-tg, then wait up to 30.0 s", outcome.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(_proxy.Calls, c => c.Action.StartsWith("Deregister", StringComparison.Ordinal));
        Assert.Equal("healthy", (await HealthAsync(targetGroup, doomed)).State);
    }

    [Fact]
    public async Task Traffic_RunTwice_SecondRunFindsNothingToDeregister()
    {
        string targetGroup = await TargetGroupAsync("web-tg", "instance");
        string doomed = await GroupAsync(targetGroup);
        RemediationRequest request = Request(new GroupConfig { GroupName = Group }, doomed);

        StepOutcome first = await Step().RunAsync(request, CancellationToken.None);
        _proxy.ClearCalls();
        StepOutcome second = await Step().RunAsync(request, CancellationToken.None);

        Assert.Equal(StepStatus.Done, first.Status);
        Assert.Equal(StepStatus.NoOp, second.Status);
        Assert.Equal("web-tg", second.Details["not_registered"]);
        Assert.DoesNotContain(_proxy.Calls, c => c.Action == "DeregisterTargets");
    }

    private TrafficStep Step() => new(_factory.AutoScaling, _elb, TimeProvider.System);

    private static RemediationRequest Request(GroupConfig config, string instanceId)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        return new RemediationRequest
        {
            Step = StepNames.Traffic,
            EventId = "ev-traffic-1",
            WarningTime = now,
            ReclaimAt = now + TimeSpan.FromSeconds(120),
            Instance = new InstanceFacts { InstanceId = instanceId, AvailabilityZone = DrainHarness.Zone, InstanceType = "m5.large", State = "running", GroupName = Group },
            Config = config,
        };
    }

    private static async Task<RemediationRequest> BeginAsync(InMemoryLedger ledger, GroupConfig config, string instanceId, IReadOnlyList<string> steps)
    {
        RemediationRequest request = Request(config, instanceId);
        await ledger.TryBeginInterruptionAsync(
            new InterruptionRecord
            {
                InstanceId = instanceId,
                GroupName = Group,
                EventIds = [request.EventId],
                WarningTime = request.WarningTime,
                ReclaimAt = request.ReclaimAt,
                Steps = [.. steps.Select(s => new StepRecord { Name = s })],
            },
            new InFlightLimits(),
            DateTimeOffset.UtcNow,
            CancellationToken.None);
        return request;
    }

    private async Task<string> TargetGroupAsync(string name, string targetType)
    {
        DescribeVpcsResponse vpcs = await _factory.Ec2.DescribeVpcsAsync(new DescribeVpcsRequest());
        XElement result = await _elb.CallTargetGroupsAsync(
            new QueryRequest("CreateTargetGroup", ElasticLoadBalancingClient.ApiVersionV2)
                .Add("Name", name)
                .Add("Protocol", "HTTP")
                .Add("Port", 80)
                .Add("VpcId", vpcs.Vpcs[0].VpcId)
                .Add("TargetType", targetType),
            CancellationToken.None);
        return result.Descendants().First(e => e.Name.LocalName == "TargetGroupArn").Value;
    }

    /// <summary>A group of one instance in us-east-1a registered in <paramref name="targetGroupArns"/>; returns the instance.</summary>
    private async Task<string> GroupAsync(params string[] targetGroupArns)
    {
        QueryRequest query = MaxGroup.Aws.AutoScaling.AutoScalingClient.NewQuery("CreateAutoScalingGroup")
            .Add("AutoScalingGroupName", Group)
            .Add("LaunchTemplate.LaunchTemplateName", "lt-web")
            .Add("LaunchTemplate.Version", "$Default")
            .Add("MinSize", 1)
            .Add("MaxSize", 2)
            .Add("DesiredCapacity", 1)
            .AddList("AvailabilityZones", [DrainHarness.Zone])
            .AddList("TargetGroupARNs", targetGroupArns);
        await _factory.AutoScaling.CallAsync(query, CancellationToken.None);
        AutoScalingGroupInfo group = await DescribeGroupAsync();
        Assert.Equal(targetGroupArns, group.TargetGroupArns);
        return group.Instances[0].InstanceId;
    }

    private async Task<AutoScalingGroupInfo> DescribeGroupAsync() => (await _factory.AutoScaling.DescribeGroupAsync(Group, CancellationToken.None))!;

    private async Task<TargetHealth> HealthAsync(string targetGroupArn, string instanceId) =>
        Assert.Single(await _elb.DescribeTargetHealthAsync(targetGroupArn, [new TargetHealth(instanceId, null, "")], CancellationToken.None));
}
