namespace MaxGroup.Integration.Tests.Reliability;

/// <summary>
/// Regressions found by the fault drill's aimed plans: AttachInstances and DetachInstances whose answer is lost after
/// they took effect (the connection dropped by <see cref="AwsFaultProxy"/> after moto applied them). The signed client
/// used to send them again blindly, which moto (and AWS) applies twice: the instance listed twice, capacity raised twice.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class AmbiguousAutoScalingCallTests(MotoFixture moto) : IAsyncLifetime
{
    public Task InitializeAsync() => moto.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task AttachInstances_AnswerLostAfterItTookEffect_AttachedOnceCapacityRaisedOnce()
    {
        using AwsClientFactory direct = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
        AutoScalingGroupInfo before = await CreateGroupAsync(direct, desired: 2);
        string moved = before.Instances[0].InstanceId;
        await direct.AutoScaling.DetachInstancesAsync("ambiguous", [moved], shouldDecrementDesiredCapacity: true, CancellationToken.None);
        await using AwsFaultProxy proxy = await AwsFaultProxy.StartAsync(moto.Endpoint);
        proxy.FailNext("AttachInstances", "drop-after");
        using AwsClientFactory faulted = Through(proxy);

        await faulted.AutoScaling.AttachInstancesAsync("ambiguous", [moved], CancellationToken.None);

        AutoScalingGroupInfo after = Assert.Single(await direct.AutoScaling.DescribeAutoScalingGroupsAsync(["ambiguous"], CancellationToken.None));
        Assert.Equal(2, after.DesiredCapacity);
        Assert.Single(after.Instances, i => i.InstanceId == moved);
        Assert.Equal(1, proxy.Calls.Count(c => c.Action == "AttachInstances"));
    }

    [Fact]
    public async Task DetachInstances_AnswerLostAfterItTookEffect_DetachedOnceCapacityLoweredOnce()
    {
        using AwsClientFactory direct = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
        AutoScalingGroupInfo before = await CreateGroupAsync(direct, desired: 3);
        string doomed = before.Instances[0].InstanceId;
        await using AwsFaultProxy proxy = await AwsFaultProxy.StartAsync(moto.Endpoint);
        proxy.FailNext("DetachInstances", "drop-after");
        using AwsClientFactory faulted = Through(proxy);

        await faulted.AutoScaling.DetachInstancesAsync("ambiguous", [doomed], shouldDecrementDesiredCapacity: true, CancellationToken.None);

        AutoScalingGroupInfo after = Assert.Single(await direct.AutoScaling.DescribeAutoScalingGroupsAsync(["ambiguous"], CancellationToken.None));
        Assert.Equal(2, after.DesiredCapacity);
        Assert.DoesNotContain(after.Instances, i => i.InstanceId == doomed);
        Assert.Equal(1, proxy.Calls.Count(c => c.Action == "DetachInstances"));
    }

    [Fact]
    public async Task AttachInstances_DroppedBeforeItReachedMoto_SentAgainAndAttached()
    {
        using AwsClientFactory direct = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
        AutoScalingGroupInfo before = await CreateGroupAsync(direct, desired: 2);
        string moved = before.Instances[0].InstanceId;
        await direct.AutoScaling.DetachInstancesAsync("ambiguous", [moved], shouldDecrementDesiredCapacity: true, CancellationToken.None);
        await using AwsFaultProxy proxy = await AwsFaultProxy.StartAsync(moto.Endpoint);
        proxy.FailNext("AttachInstances", "drop-before");
        using AwsClientFactory faulted = Through(proxy);

        await faulted.AutoScaling.AttachInstancesAsync("ambiguous", [moved], CancellationToken.None);

        AutoScalingGroupInfo after = Assert.Single(await direct.AutoScaling.DescribeAutoScalingGroupsAsync(["ambiguous"], CancellationToken.None));
        Assert.Equal(2, after.DesiredCapacity);
        Assert.Single(after.Instances, i => i.InstanceId == moved);
    }

    private static AwsClientFactory Through(AwsFaultProxy proxy) =>
        new(AwsEnvironment.FromVariables(new Dictionary<string, string>
        {
            [AwsEnvironment.GlobalEndpointVariable] = proxy.Endpoint,
            [AwsEnvironment.RegionVariable] = MotoFixture.Region,
        }), TimeProvider.System, AwsTestClients.TestCredentials, AwsTestClients.FastRetry());

    private static async Task<AutoScalingGroupInfo> CreateGroupAsync(AwsClientFactory aws, int desired)
    {
        await new MotoScene(aws).LaunchTemplateAsync("lt-ambiguous");
        await new MotoScene(aws).GroupAsync("ambiguous", "lt-ambiguous", min: 0, max: 4, desired: desired);
        return Assert.Single(await aws.AutoScaling.DescribeAutoScalingGroupsAsync(["ambiguous"], CancellationToken.None));
    }
}
