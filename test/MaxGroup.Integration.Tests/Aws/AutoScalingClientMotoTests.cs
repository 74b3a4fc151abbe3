using MaxGroup.Aws.AutoScaling;

namespace MaxGroup.Integration.Tests.Aws;

/// <summary>Every operation of the AutoScaling client against moto (CompleteLifecycleAction: see the loopback tests).</summary>
[Collection(MotoCollection.Name)]
public sealed class AutoScalingClientMotoTests(MotoFixture moto) : IAsyncLifetime, IDisposable
{
    private readonly AwsClientFactory _factory = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());

    private AutoScalingClient Client => _factory.AutoScaling;

    public Task InitializeAsync() => moto.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task DescribeAutoScalingGroups_GroupFromLaunchTemplate_MapsEveryField()
    {
        string templateId = await new MotoScene(_factory).LaunchTemplateAsync("lt-web", "m5.large");
        await new MotoScene(_factory).GroupAsync("web", "lt-web", min: 1, max: 4, desired: 2,
            tags: [("team", "payments", true), ("cost-center", "42", false)]);

        AutoScalingGroupInfo group = Assert.Single(await Client.DescribeAutoScalingGroupsAsync(["web"], CancellationToken.None));

        Assert.Equal("web", group.Name);
        Assert.Contains("autoScalingGroupName/web", group.Arn, StringComparison.Ordinal);
        Assert.Equal((1, 4, 2), (group.MinSize, group.MaxSize, group.DesiredCapacity));
        Assert.False(group.CapacityRebalance);
        Assert.Equal(new AsgLaunchTemplate(templateId, "lt-web", "$Default"), group.LaunchTemplate);
        Assert.Empty(group.OverrideInstanceTypes);
        Assert.Null(group.OnDemand);
        Assert.Equal(["us-east-1a", "us-east-1b"], group.AvailabilityZones);
        Assert.Empty(group.SubnetIds);
        Assert.Equal(2, group.Instances.Count);
        Assert.All(group.Instances, i =>
        {
            Assert.StartsWith("i-", i.InstanceId, StringComparison.Ordinal);
            Assert.Equal("web", i.GroupName);
            Assert.Equal("InService", i.LifecycleState);
            Assert.Equal("Healthy", i.HealthStatus);
            Assert.Equal("m5.large", i.InstanceType);
            Assert.Contains(i.AvailabilityZone, group.AvailabilityZones);
        });
        Assert.Contains(new AsgTag("team", "payments", true), group.Tags);
        Assert.Contains(new AsgTag("cost-center", "42", false), group.Tags);
    }

    [Fact]
    public async Task DescribeAutoScalingGroups_MixedInstancesPolicyInSubnets_MapsOverridesSubnetsAndCapacityRebalance()
    {
        string templateId = await new MotoScene(_factory).LaunchTemplateAsync("lt-mixed");
        IReadOnlyList<string> subnets = (await new MotoScene(_factory).DefaultSubnetIdsAsync()).Take(2).ToList();
        await new MotoScene(_factory).MixedGroupAsync("mixed", "lt-mixed", ["m5.large", "m5a.large", "m6i.large"], subnets, capacityRebalance: true, new OnDemandDistribution(1, 25));

        AutoScalingGroupInfo group = Assert.Single(await Client.DescribeAutoScalingGroupsAsync(["mixed"], CancellationToken.None));

        Assert.Equal(new AsgLaunchTemplate(templateId, "lt-mixed", "$Latest"), group.LaunchTemplate);
        Assert.Equal(["m5.large", "m5a.large", "m6i.large"], group.OverrideInstanceTypes);
        Assert.Equal(subnets, group.SubnetIds);
        Assert.True(group.CapacityRebalance);
        // The distribution the swap back to Spot keeps (issue 19 item 3).
        Assert.Equal(new OnDemandDistribution(1, 25), group.OnDemand);
    }

    [Fact]
    public async Task DescribeAutoScalingGroups_MoreGroupsThanPageSize_FollowsNextToken()
    {
        await new MotoScene(_factory).LaunchTemplateAsync("lt-many");
        string[] names = ["g1", "g2", "g3", "g4", "g5"];
        foreach (string name in names)
        {
            await new MotoScene(_factory).GroupAsync(name, "lt-many", min: 0, max: 1, desired: 0);
        }

        var paged = new AutoScalingClient(_factory.CreateSignedClient(AwsService.AutoScaling), pageSize: 2);

        IReadOnlyList<AutoScalingGroupInfo> all = await paged.DescribeAutoScalingGroupsAsync([], CancellationToken.None);
        IReadOnlyList<AutoScalingGroupInfo> some = await paged.DescribeAutoScalingGroupsAsync(["g2", "g4", "g5"], CancellationToken.None);

        Assert.Equal(names, all.Select(g => g.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["g2", "g4", "g5"], some.Select(g => g.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task DescribeAutoScalingGroups_UnknownName_ReturnsEmpty()
    {
        Assert.Empty(await Client.DescribeAutoScalingGroupsAsync(["no-such-group"], CancellationToken.None));
    }

    [Fact]
    public async Task DescribeAutoScalingInstances_GroupMembers_ReturnsTheirGroupAndState()
    {
        AutoScalingGroupInfo group = await CreateGroupAsync("api", desired: 2);
        string[] ids = group.Instances.Select(i => i.InstanceId).ToArray();

        IReadOnlyList<AutoScalingInstanceInfo> instances = await Client.DescribeAutoScalingInstancesAsync(ids, CancellationToken.None);

        Assert.Equal(ids.Order(StringComparer.Ordinal), instances.Select(i => i.InstanceId).Order(StringComparer.Ordinal));
        Assert.All(instances, i =>
        {
            Assert.Equal("api", i.GroupName);
            Assert.Equal("InService", i.LifecycleState);
            Assert.Equal("t3.micro", i.InstanceType);
            Assert.NotNull(i.AvailabilityZone);
        });
        Assert.Empty(await Client.DescribeAutoScalingInstancesAsync([], CancellationToken.None));
    }

    [Fact]
    public async Task DetachInstances_WithoutDecrement_GroupLaunchesReplacement()
    {
        (AutoScalingGroupInfo before, string doomed, AutoScalingGroupInfo after) = await DetachFirstOfTwoAsync("detach", decrement: false);

        Assert.Equal(2, after.DesiredCapacity);
        Assert.Equal(2, after.Instances.Count);
        Assert.DoesNotContain(after.Instances, i => i.InstanceId == doomed);
        Assert.Contains(after.Instances, i => !before.Instances.Any(b => b.InstanceId == i.InstanceId));
    }

    [Fact]
    public async Task DetachInstances_WithDecrement_LowersDesiredCapacity()
    {
        (AutoScalingGroupInfo before, _, AutoScalingGroupInfo after) = await DetachFirstOfTwoAsync("shrink", decrement: true);

        Assert.Equal(1, after.DesiredCapacity);
        Assert.Equal([before.Instances[1].InstanceId], after.Instances.Select(i => i.InstanceId));
    }

    [Fact]
    public async Task AttachInstances_DetachedInstance_JoinsGroupAndRaisesDesiredCapacity()
    {
        AutoScalingGroupInfo before = await CreateGroupAsync("attach", desired: 2);
        string moved = before.Instances[0].InstanceId;
        await Client.DetachInstancesAsync("attach", [moved], shouldDecrementDesiredCapacity: true, CancellationToken.None);

        await Client.AttachInstancesAsync("attach", [moved], CancellationToken.None);

        AutoScalingGroupInfo after = await DescribeAsync("attach");
        Assert.Equal(2, after.DesiredCapacity);
        Assert.Contains(after.Instances, i => i.InstanceId == moved);
    }

    [Fact]
    public async Task SetDesiredCapacity_Raised_GroupLaunchesInstances()
    {
        await CreateGroupAsync("grow", desired: 1);

        await Client.SetDesiredCapacityAsync("grow", 3, honorCooldown: false, CancellationToken.None);

        AutoScalingGroupInfo after = await DescribeAsync("grow");
        Assert.Equal(3, after.DesiredCapacity);
        Assert.Equal(3, after.Instances.Count);
    }

    [Fact]
    public async Task UpdateAutoScalingGroup_MinAndMax_ChangesOnlyWhatIsGiven()
    {
        await CreateGroupAsync("resize", desired: 1);

        await Client.UpdateAutoScalingGroupAsync("resize", minSize: null, maxSize: 6, CancellationToken.None);
        AutoScalingGroupInfo onlyMax = await DescribeAsync("resize");
        await Client.UpdateAutoScalingGroupAsync("resize", minSize: 0, maxSize: 5, CancellationToken.None);
        AutoScalingGroupInfo both = await DescribeAsync("resize");

        Assert.Equal((1, 6), (onlyMax.MinSize, onlyMax.MaxSize));
        Assert.Equal((0, 5), (both.MinSize, both.MaxSize));
    }

    [Fact]
    public async Task TerminateInstanceInAutoScalingGroup_WithDecrement_RemovesInstanceAndLowersDesired()
    {
        AutoScalingGroupInfo before = await CreateGroupAsync("term", desired: 2);
        string doomed = before.Instances[1].InstanceId;

        await Client.TerminateInstanceInAutoScalingGroupAsync(doomed, shouldDecrementDesiredCapacity: true, CancellationToken.None);

        AutoScalingGroupInfo after = await DescribeAsync("term");
        Assert.Equal(1, after.DesiredCapacity);
        Assert.DoesNotContain(after.Instances, i => i.InstanceId == doomed);
    }

    [Fact]
    public async Task DescribeLifecycleHooks_AfterPutLifecycleHook_ReturnsHook()
    {
        await CreateGroupAsync("hooked", desired: 0);
        await new MotoScene(_factory).LifecycleHookAsync("hooked", "drain-first", heartbeatTimeout: 90);

        LifecycleHookInfo hook = Assert.Single(await Client.DescribeLifecycleHooksAsync("hooked", CancellationToken.None));

        // moto answers the global timeout AWS documents for a hook put without one (48 h here).
        Assert.Equal(new LifecycleHookInfo("drain-first", "hooked", "autoscaling:EC2_INSTANCE_TERMINATING", 90, "ABANDON") { GlobalTimeout = 172_800 }, hook);
    }

    [Fact]
    public async Task CompleteLifecycleAction_MotoAnswersHtml500_RetriedThenReportedWithStatusCode()
    {
        // moto does not implement this operation and answers an HTML error page: the client must not assume XML.
        await CreateGroupAsync("html", desired: 0);

        RemoteApiException error = await Assert.ThrowsAsync<RemoteApiException>(() =>
            Client.CompleteLifecycleActionAsync("html", "hook", "i-0123456789abcdef0", null, "CONTINUE", CancellationToken.None));

        Assert.Equal(("autoscaling", "Http500", 500), (error.Service, error.ErrorCode, error.StatusCode));
        Assert.Contains("Internal Server Error", error.Message, StringComparison.Ordinal);
    }

    private async Task<AutoScalingGroupInfo> CreateGroupAsync(string name, int desired)
    {
        await new MotoScene(_factory).LaunchTemplateAsync("lt-" + name);
        await new MotoScene(_factory).GroupAsync(name, "lt-" + name, min: desired == 0 ? 0 : 1, max: 4, desired: desired);
        return await DescribeAsync(name);
    }

    /// <summary>Creates a group of two, detaches its first instance; answers the group before, the detached instance and the group after.</summary>
    private async Task<(AutoScalingGroupInfo Before, string Detached, AutoScalingGroupInfo After)> DetachFirstOfTwoAsync(string name, bool decrement)
    {
        AutoScalingGroupInfo before = await CreateGroupAsync(name, desired: 2);
        string detached = before.Instances[0].InstanceId;

        await Client.DetachInstancesAsync(name, [detached], shouldDecrementDesiredCapacity: decrement, CancellationToken.None);

        return (before, detached, await DescribeAsync(name));
    }

    private async Task<AutoScalingGroupInfo> DescribeAsync(string name) =>
        Assert.Single(await Client.DescribeAutoScalingGroupsAsync([name], CancellationToken.None));
}
