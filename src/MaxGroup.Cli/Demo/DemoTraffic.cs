using System.Globalization;
using System.Xml.Linq;
using Amazon.EC2.Model;
using MaxGroup.Aws;
using MaxGroup.Aws.AutoScaling;
using MaxGroup.Aws.LoadBalancing;
using MaxGroup.Aws.Signing;
using MaxGroup.Core.Model;
using MaxGroup.Simulators.Aws;

namespace MaxGroup.Cli.Demo;

/// <summary>
/// The demo's load balancer: an internal Application Load Balancer across both subnets whose HTTP listener forwards to
/// an instance-type target group, attached to the group (AttachLoadBalancerTargetGroups, so Auto Scaling registers the
/// members). The deregistration delay is cut to a few seconds so the traffic step's wait for draining shows within the
/// demo's window. Its checks order the DeregisterTargets moto accepted (timed by the demo's proxy) against the first
/// eviction the Kubernetes simulator accepted.
/// </summary>
public sealed class DemoTraffic
{
    public const string Name = "demo-web";

    /// <summary>deregistration_delay.timeout_seconds of the demo's target group (AWS's default is 300).</summary>
    public const int DeregistrationDelaySeconds = 5;

    private DemoTraffic(string targetGroupArn) => TargetGroupArn = targetGroupArn;

    public string TargetGroupArn { get; }

    /// <summary>For the terminal.</summary>
    public static string Description =>
        $"internal Application Load Balancer {Name} (HTTP :80 in both subnets) forwards to instance target group {Name} (deregistration delay {DeregistrationDelaySeconds} s), attached to the group: Auto Scaling registers its members";

    /// <summary>Creates the target group, the load balancer and its listener, and attaches the target group to the group.</summary>
    public static async Task<DemoTraffic> AttachAsync(AwsClientFactory aws, DemoScene scene, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(aws);
        ArgumentNullException.ThrowIfNull(scene);
        ElasticLoadBalancingClient elb = Client(aws);
        string vpcId = (await aws.Ec2.DescribeSubnetsAsync(new DescribeSubnetsRequest { SubnetIds = [scene.SubnetA] }, cancellationToken)).Subnets.Single().VpcId;
        XElement group = await elb.CallTargetGroupsAsync(
            V2("CreateTargetGroup").Add("Name", Name).Add("Protocol", "HTTP").Add("Port", 80).Add("VpcId", vpcId).Add("TargetType", "instance"),
            cancellationToken);
        string targetGroupArn = Text(group, "TargetGroupArn");
        await elb.CallTargetGroupsAsync(
            V2("ModifyTargetGroupAttributes").Add("TargetGroupArn", targetGroupArn)
                .Add("Attributes.member.1.Key", ElasticLoadBalancingClient.DeregistrationDelayAttribute)
                .Add("Attributes.member.1.Value", DeregistrationDelaySeconds),
            cancellationToken);
        XElement balancer = await elb.CallTargetGroupsAsync(
            V2("CreateLoadBalancer").Add("Name", Name).Add("Type", "application").Add("Scheme", "internal")
                .Add("Subnets.member.1", scene.SubnetA).Add("Subnets.member.2", scene.SubnetB),
            cancellationToken);
        await elb.CallTargetGroupsAsync(
            V2("CreateListener").Add("LoadBalancerArn", Text(balancer, "LoadBalancerArn")).Add("Protocol", "HTTP").Add("Port", 80)
                .Add("DefaultActions.member.1.Type", "forward").Add("DefaultActions.member.1.TargetGroupArn", targetGroupArn),
            cancellationToken);
        await aws.AutoScaling.CallAsync(
            AutoScalingClient.NewQuery("AttachLoadBalancerTargetGroups").Add("AutoScalingGroupName", DemoScene.GroupName).AddList("TargetGroupARNs", [targetGroupArn]),
            cancellationToken);
        return new DemoTraffic(targetGroupArn);
    }

    /// <summary>
    /// Traffic left first: the doomed instance's DeregisterTargets was accepted, and its draining over, before the first
    /// eviction reached the Kubernetes simulator; and the successor is a target (Auto Scaling registered it when it joined).
    /// </summary>
    public async Task<IReadOnlyList<DemoCheck>> ChecksAsync(
        AwsClientFactory aws, DemoEmulator emulator, string doomedId, InterruptionRecord? record, DateTimeOffset? firstEviction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(aws);
        ArgumentNullException.ThrowIfNull(emulator);
        string? successorId = record?.SuccessorInstanceId;
        // The drain's own account of its wait: a window too short for the draining makes it evict anyway, and says so.
        string drainWait = record?.FindStep(StepNames.Drain)?.Details.GetValueOrDefault("traffic_wait") is { } wait ? $"; the drain: {wait}" : "";
        TargetDeregistration? left = emulator.Draining.Deregistrations.FirstOrDefault(d => d.TargetGroupArn == TargetGroupArn && d.TargetId == doomedId);
        DateTimeOffset? drained = left?.At + emulator.Draining.DelayOf(TargetGroupArn);
        bool first = left is not null && firstEviction is { } evicted && drained <= evicted;
        string order = left is null
            ? $"no DeregisterTargets of {doomedId} reached the emulator"
            : $"DeregisterTargets accepted {Clock(left.At)}, draining over {Clock(drained!.Value)} (delay {DeregistrationDelaySeconds} s); first eviction {(firstEviction is { } e ? Clock(e) : "never")} (Kubernetes simulator){drainWait}";

        var checks = new List<DemoCheck> { new("traffic: out of the target group before the first eviction", first, order) };
        if (successorId is null)
        {
            checks.Add(new("traffic: successor registered in the target group", false, "no successor"));
            return checks;
        }

        TargetHealth? health = (await Client(aws).DescribeTargetHealthAsync(TargetGroupArn, [new TargetHealth(successorId, null, "")], cancellationToken)).FirstOrDefault();
        bool registered = health is not null && !health.IsGone;
        // moto reports a new target healthy at once; AWS first runs the health checks (state initial).
        checks.Add(new("traffic: successor registered in the target group", registered,
            $"{successorId} {health?.State ?? "absent"}{(health?.Reason is { } reason ? $" ({reason})" : "")}: Auto Scaling registered it when it joined the group"));
        return checks;
    }

    private static ElasticLoadBalancingClient Client(AwsClientFactory aws) =>
        new(aws.CreateSignedClient(AwsService.ElasticLoadBalancingV2), aws.CreateSignedClient(AwsService.ElasticLoadBalancing));

    private static QueryRequest V2(string action) => new(action, ElasticLoadBalancingClient.ApiVersionV2);

    private static string Text(XElement result, string name) => result.Descendants().First(e => e.Name.LocalName == name).Value;

    private static string Clock(DateTimeOffset at) => at.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
}
