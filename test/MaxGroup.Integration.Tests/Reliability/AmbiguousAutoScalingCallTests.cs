using MaxGroup.Aws.Signing;

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
        (AutoScalingGroupInfo after, string moved, int attachCalls) = await ReattachThroughFaultAsync("drop-after");

        Assert.Equal(2, after.DesiredCapacity);
        Assert.Single(after.Instances, i => i.InstanceId == moved);
        Assert.Equal(1, attachCalls);
    }

    [Fact]
    public async Task DetachInstances_AnswerLostAfterItTookEffect_DetachedOnceCapacityLoweredOnce()
    {
        using AwsClientFactory direct = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
        AutoScalingGroupInfo before = await CreateGroupAsync(direct, desired: 3);
        string doomed = before.Instances[0].InstanceId;

        int detachCalls = await CallThroughFaultAsync("DetachInstances", "drop-after",
            aws => aws.AutoScaling.DetachInstancesAsync("ambiguous", [doomed], shouldDecrementDesiredCapacity: true, CancellationToken.None));

        AutoScalingGroupInfo after = await DescribeAsync(direct);
        Assert.Equal(2, after.DesiredCapacity);
        Assert.DoesNotContain(after.Instances, i => i.InstanceId == doomed);
        Assert.Equal(1, detachCalls);
    }

    [Fact]
    public async Task TerminateInstanceInAutoScalingGroup_AnswerLostAfterItTookEffect_AmbiguousNotResent()
    {
        using AwsClientFactory direct = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
        AutoScalingGroupInfo before = await CreateGroupAsync(direct, desired: 3);
        string doomed = before.Instances[0].InstanceId;
        RemoteApiException? lost = null;

        int terminateCalls = await CallThroughFaultAsync("TerminateInstanceInAutoScalingGroup", "drop-after",
            async aws => lost = await Assert.ThrowsAsync<RemoteApiException>(
                () => aws.AutoScaling.TerminateInstanceInAutoScalingGroupAsync(doomed, shouldDecrementDesiredCapacity: true, CancellationToken.None)));

        // Handed to the caller to look at the group (the replace step does), not sent again.
        Assert.Equal(AwsSignedHttpClient.AmbiguousOutcome, lost?.ErrorCode);
        Assert.Equal(1, terminateCalls);
        AutoScalingGroupInfo after = await DescribeAsync(direct);
        Assert.Equal(2, after.DesiredCapacity);
        Assert.DoesNotContain(after.Instances, i => i.InstanceId == doomed && i.LifecycleState is "InService" or "Pending");
    }

    [Fact]
    public async Task TerminateInstanceInAutoScalingGroup_RepeatForInstanceAlreadyGone_RefusedAsAwsDoes()
    {
        using AwsClientFactory direct = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
        AutoScalingGroupInfo before = await CreateGroupAsync(direct, desired: 3);
        string doomed = before.Instances[0].InstanceId;
        await direct.AutoScaling.TerminateInstanceInAutoScalingGroupAsync(doomed, shouldDecrementDesiredCapacity: true, CancellationToken.None);
        await using AwsFaultProxy proxy = await AwsFaultProxy.StartAsync(moto.Endpoint);
        using AwsClientFactory proxied = Through(proxy);

        RemoteApiException refused = await Assert.ThrowsAsync<RemoteApiException>(
            () => proxied.AutoScaling.TerminateInstanceInAutoScalingGroupAsync(doomed, shouldDecrementDesiredCapacity: true, CancellationToken.None));

        Assert.Equal(("ValidationError", 400), (refused.ErrorCode, refused.StatusCode));
        Assert.Contains("Instance Id not found", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, proxy.Calls.Count(c => c.Action == "TerminateInstanceInAutoScalingGroup"));
        // moto's own answer was its 500: the refusal is the proxy's, as AWS documents it.
        Assert.Equal(1, proxy.TerminationsRefusedAsAws);
        Assert.Equal(2, (await DescribeAsync(direct)).DesiredCapacity);
    }

    [Fact]
    public async Task AttachInstances_DroppedBeforeItReachedMoto_SentAgainAndAttached()
    {
        (AutoScalingGroupInfo after, string moved, _) = await ReattachThroughFaultAsync("drop-before");

        Assert.Equal(2, after.DesiredCapacity);
        Assert.Single(after.Instances, i => i.InstanceId == moved);
    }

    /// <summary>
    /// Detaches one of a group's two instances (capacity lowered to 1), then attaches it again through the fault proxy,
    /// whose first AttachInstances suffers <paramref name="fault"/>; answers the group afterwards, the instance moved and
    /// how many AttachInstances calls the proxy saw.
    /// </summary>
    private async Task<(AutoScalingGroupInfo After, string Moved, int AttachCalls)> ReattachThroughFaultAsync(string fault)
    {
        using AwsClientFactory direct = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
        AutoScalingGroupInfo before = await CreateGroupAsync(direct, desired: 2);
        string moved = before.Instances[0].InstanceId;
        await direct.AutoScaling.DetachInstancesAsync("ambiguous", [moved], shouldDecrementDesiredCapacity: true, CancellationToken.None);

        int attachCalls = await CallThroughFaultAsync("AttachInstances", fault,
            aws => aws.AutoScaling.AttachInstancesAsync("ambiguous", [moved], CancellationToken.None));

        return (await DescribeAsync(direct), moved, attachCalls);
    }

    /// <summary>Makes one call through a fault proxy whose next <paramref name="action"/> suffers <paramref name="fault"/>; answers how many of that action the proxy saw.</summary>
    private async Task<int> CallThroughFaultAsync(string action, string fault, Func<AwsClientFactory, Task> call)
    {
        await using AwsFaultProxy proxy = await AwsFaultProxy.StartAsync(moto.Endpoint);
        proxy.FailNext(action, fault);
        using (AwsClientFactory faulted = Through(proxy))
        {
            await call(faulted);
        }

        return proxy.Calls.Count(c => c.Action == action);
    }

    private static async Task<AutoScalingGroupInfo> DescribeAsync(AwsClientFactory aws) =>
        Assert.Single(await aws.AutoScaling.DescribeAutoScalingGroupsAsync(["ambiguous"], CancellationToken.None));

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
        return await DescribeAsync(aws);
    }
}
