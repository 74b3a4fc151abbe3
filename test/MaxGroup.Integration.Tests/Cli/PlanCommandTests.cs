using Amazon.EC2.Model;
using MaxGroup.Cli.Commands;

namespace MaxGroup.Integration.Tests.Cli;

/// <summary>
/// `maxgroup plan` in-process against moto, through the recording proxy: the output names what MaxGroup would do,
/// and the proxy's log proves only read calls left the process.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class PlanCommandTests(MotoFixture moto)
{
    private const string FullConfig = """
        {
          "replacement_strategy": "launch",
          "detaching_delay_seconds": 0,
          "is_enable_od_fallback": true,
          "alt1": "m5a.large",
          "persistence_dev": "/dev/sdf",
          "k8s_node_drain_option": true,
          "k8s_cluster_name": "web-prod",
          "consul_port": "8500"
        }
        """;

    [Fact]
    public async Task Plan_ManagedLaunchGroup_PrintsEveryDecisionAndMakesOnlyReadCalls()
    {
        using CliScene scene = await CliScene.CreateAsync(moto, FullConfig, maxSize: 2);
        string doomed = (await scene.InstanceIdsAsync())[0];
        Instance instance = await DescribeAsync(scene, doomed);
        string volumeId = instance.BlockDeviceMappings.Single(b => b.DeviceName == "/dev/sdf").Ebs.VolumeId;
        await using AwsFaultProxy proxy = await AwsFaultProxy.StartAsync(moto.Endpoint);
        scene.Set("AWS_ENDPOINT_URL", proxy.Endpoint);

        (int exitCode, string output, string error) = await CliScene.RunAsync("plan", "--instance", doomed);

        Assert.True(exitCode == 0, error + output);
        Assert.Equal("", error);
        string[] lines = Lines(output);
        Assert.Equal($"plan for {doomed} (read-only)", lines[0]);
        Assert.Contains("group       web", lines);
        Assert.Contains(lines, l => l.StartsWith("  group web: managed", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("persistence_dev", StringComparison.Ordinal) && l.Contains("/dev/sdf", StringComparison.Ordinal)
            && l.Contains($"s3://{scene.Bucket}/groups/web.json", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("k8s_node_drain_grace_second", StringComparison.Ordinal) && l.EndsWith("default", StringComparison.Ordinal));
        Assert.Contains("steps       replace, volume, drain, consul (started in parallel by the dispatcher)", lines);
        Assert.Contains("strategy    launch", lines);
        Assert.Contains($"successor   in {instance.SubnetId} (us-east-1a, same AZ so the volume can follow)", lines);
        Assert.Contains("            candidates in order: m5a.large/spot, m5.large/on-demand, m5a.large/on-demand", lines);
        Assert.Contains(lines, l => l.Contains("tags: team=blue, spotmax:group=web, spotmax:replaces=" + doomed, StringComparison.Ordinal));
        Assert.Contains("            MaxSize raised 2 -> 3 to attach it, restored after", lines);
        Assert.Contains(lines, l => l.StartsWith($"volume      {volumeId} at /dev/sdf moves to the successor as /dev/xvdz", StringComparison.Ordinal));
        Assert.Contains($"node        providerID aws:///us-east-1a/{doomed}, else the node named {instance.PrivateDnsName}", lines);
        Assert.Contains("            once terminated: the Node is tainted node.kubernetes.io/out-of-service=nodeshutdown:NoExecute (k8s_node_after_termination)", lines);
        Assert.Contains($"consul      agent http://{instance.PrivateIpAddress}:8500/", lines);
        Assert.Contains(lines, l => l.StartsWith("ledger      ", StringComparison.Ordinal));

        IReadOnlyList<ProxiedCall> calls = proxy.Calls;
        Assert.Contains(calls, c => c.Action == "DescribeInstances");
        Assert.Contains(calls, c => c.Action == "DescribeAutoScalingGroups");
        Assert.Contains(calls, c => c.Service == "s3" && c.Action.StartsWith("GET ", StringComparison.Ordinal));
        Assert.All(calls, c => Assert.True(IsReadCall(c), $"mutating call {c.Service} {c.Action}"));
        AutoScalingGroupInfo group = Assert.Single(await scene.Aws.AutoScaling.DescribeAutoScalingGroupsAsync([CliScene.Group], CancellationToken.None));
        Assert.Equal(2, group.DesiredCapacity);
        Assert.Equal(2, group.MaxSize);
        Assert.Equal(2, group.Instances.Count);
    }

    [Fact]
    public async Task Plan_AutoStrategyWithDataVolume_SaysItLaunchesBecauseOfTheVolume()
    {
        // auto picks launch for a group with a data volume; the plan says why, as it does for detach.
        using CliScene scene = await CliScene.CreateAsync(moto, FullConfig.Replace("\"launch\"", "\"auto\"", StringComparison.Ordinal), maxSize: 2);
        string doomed = (await scene.InstanceIdsAsync())[0];

        (int exitCode, string output, string error) = await CliScene.RunAsync("plan", "--instance", doomed);

        Assert.True(exitCode == 0, error + output);
        Assert.Contains("strategy    launch (auto: persistence_dev set)", Lines(output));
    }

    [Fact]
    public async Task Plan_DetachGroupWithoutSteps_PrintsDetachAndOnlyReplace()
    {
        using CliScene scene = await CliScene.CreateAsync(moto, """{ "replacement_strategy": "auto" }""");
        string doomed = (await scene.InstanceIdsAsync())[0];

        (int exitCode, string output, string error) = await CliScene.RunAsync("plan", "--instance", doomed);

        Assert.True(exitCode == 0, error);
        string[] lines = Lines(output);
        Assert.Contains("strategy    detach (auto: no persistence_dev)", lines);
        Assert.Contains($"successor   the group launches it: MaxGroup detaches {doomed} without decrement", lines);
        Assert.Contains("steps       replace (started in parallel by the dispatcher)", lines);
        Assert.Contains("volume      off (no persistence_dev)", lines);
        Assert.Contains("node        off (k8s_node_drain_option is false)", lines);
        Assert.Contains("consul      off (no consul_port)", lines);
    }

    [Fact]
    public async Task Plan_EventFile_UsesTheWarningsInstanceAndDeadline()
    {
        using CliScene scene = await CliScene.CreateAsync(moto, FullConfig);
        string doomed = (await scene.InstanceIdsAsync())[1];
        var warningTime = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        string file = await CliScene.WarningFileAsync(doomed, warningTime);

        (int exitCode, string output, string error) = await CliScene.RunAsync("plan", "--event", file);

        Assert.True(exitCode == 0, error);
        string[] lines = Lines(output);
        Assert.Equal($"plan for {doomed} (read-only)", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("deadline    warning 2026-01-02T03:04:05Z, terminate at 2026-01-02T03:06:05Z", StringComparison.Ordinal));
        Assert.Contains("deadline    reclaim time 2026-01-02T03:06:05Z has passed: every step would skip", lines);
    }

    [Fact]
    public async Task Plan_UnknownInstance_OneErrorLineAndFailure()
    {
        using CliScene scene = await CliScene.CreateAsync(moto, FullConfig);

        (int exitCode, string output, string error) = await CliScene.RunAsync("plan", "--instance", "i-0123456789abcdef0");

        Assert.Equal(1, exitCode);
        Assert.Equal("", output);
        Assert.Equal(["error: instance i-0123456789abcdef0 not found (EC2 DescribeInstances does not know it)"], Lines(error));
    }

    [Theory]
    [InlineData(new[] { "plan" }, "error: give exactly one of --instance or --event")]
    [InlineData(new[] { "plan", "--instance", "i-1", "--event", "x.json" }, "error: give exactly one of --instance or --event")]
    [InlineData(new[] { "plan", "--event", "events/ec2-instance-state-change-terminated.json" }, "error: ")]
    public async Task Plan_BadCommandLine_OneErrorLineAndUsageExit(string[] args, string expectedStart)
    {
        string[] resolved = [.. args.Select(a => a.StartsWith("events/", StringComparison.Ordinal) ? Path.Combine(Runtime.RepositoryPaths.Root, a) : a)];

        (int exitCode, string output, string error) = await CliScene.RunAsync(resolved);

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        string line = Assert.Single(Lines(error));
        Assert.StartsWith(expectedStart, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadOnlySdkGuard_MutatingEc2Call_RefusedBeforeItLeavesTheProcess()
    {
        using CliScene scene = await CliScene.CreateAsync(moto, FullConfig);
        string doomed = (await scene.InstanceIdsAsync())[0];
        await using AwsFaultProxy proxy = await AwsFaultProxy.StartAsync(moto.Endpoint);
        using var proxied = new MaxGroup.Aws.AwsClientFactory(
            MaxGroup.Aws.AwsEnvironment.FromVariables(new Dictionary<string, string> { ["AWS_ENDPOINT_URL"] = proxy.Endpoint, ["AWS_REGION"] = MotoFixture.Region }),
            TimeProvider.System,
            AwsTestClients.TestCredentials);
        Amazon.EC2.IAmazonEC2 guarded = ReadOnlySdkGuard.Guard(proxied.Ec2);

        var refused = await Assert.ThrowsAsync<ReadOnlyViolationException>(() => guarded.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [doomed] }));
        DescribeInstancesResponse described = await guarded.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [doomed] });

        Assert.Contains("TerminateInstances", refused.Message, StringComparison.Ordinal);
        Assert.Equal("running", described.Reservations.Single().Instances.Single().State.Name.Value);
        Assert.Equal(["DescribeInstances"], proxy.Calls.Select(c => c.Action));
    }

    [Fact]
    public async Task ReadOnlyAutoScalingApi_Detach_RefusedAndGroupUnchanged()
    {
        using CliScene scene = await CliScene.CreateAsync(moto, FullConfig);
        string doomed = (await scene.InstanceIdsAsync())[0];
        var guarded = new ReadOnlyAutoScalingApi(scene.Aws.AutoScaling);

        await Assert.ThrowsAsync<ReadOnlyViolationException>(() => guarded.DetachInstancesAsync(CliScene.Group, [doomed], false, CancellationToken.None));
        await Assert.ThrowsAsync<ReadOnlyViolationException>(() => guarded.SetDesiredCapacityAsync(CliScene.Group, 5, false, CancellationToken.None));

        AutoScalingGroupInfo group = Assert.Single(await guarded.DescribeAutoScalingGroupsAsync([CliScene.Group], CancellationToken.None));
        Assert.Contains(group.Instances, i => i.InstanceId == doomed);
        Assert.Equal(2, group.DesiredCapacity);
    }

    /// <summary>Query and JSON actions by name; REST (S3) by method.</summary>
    private static bool IsReadCall(ProxiedCall call)
    {
        string action = call.Action;
        if (action.StartsWith("GET ", StringComparison.Ordinal) || action.StartsWith("HEAD ", StringComparison.Ordinal))
        {
            return true;
        }

        string operation = action.Contains('.', StringComparison.Ordinal) ? action[(action.LastIndexOf('.') + 1)..] : action;
        return ReadOnlySdkGuard.IsRead(operation);
    }

    private static async Task<Instance> DescribeAsync(CliScene scene, string instanceId)
    {
        DescribeInstancesResponse response = await scene.Aws.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] });
        return response.Reservations.Single().Instances.Single();
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
}
