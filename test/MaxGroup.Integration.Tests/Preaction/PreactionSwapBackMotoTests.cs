using Amazon.EC2;
using Amazon.EC2.Model;
using MaxGroup.Aws.AutoScaling;
using MaxGroup.Aws.Ec2;
using MaxGroup.Aws.Preaction;
using MaxGroup.Aws.Signing;
using MaxGroup.Core.Preaction;

namespace MaxGroup.Integration.Tests.Preaction;

/// <summary>
/// The swap of fallbacks back to Spot (issue 19 item 3) on moto: successors MaxGroup launched On-Demand (they carry
/// spotmax:replaces) go back to Spot through the preaction executor, with is_enable_preaction off, in batches of
/// max_num_of_terminated_one_time, never below the On-Demand the group's mixed instances distribution wants, and a dry
/// run changes nothing. Real EC2 and Auto Scaling state, the DynamoDB batch table, the trimmed advisor data (c5.large
/// &gt;20%, m5.large &lt;5% in us-east-1) and a fake clock 16 minutes ahead, so every fallback is past od_least_live_mins.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class PreactionSwapBackMotoTests : IDisposable
{
    private const string Group = "web";
    private const string Template = "lt-web";
    private const string Table = "maxgroup-preaction";

    private readonly MotoFixture _moto;
    private readonly AwsClientFactory _factory;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 1, 0, 0, TimeSpan.Zero));
    private readonly RecordingMetrics _metrics = new();

    public PreactionSwapBackMotoTests(MotoFixture moto)
    {
        _moto = moto;
        _factory = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
    }

    private IAmazonEC2 Ec2 => _factory.Ec2;

    private AutoScalingClient AutoScaling => _factory.AutoScaling;

    public void Dispose() => _factory.Dispose();

    /// <summary>
    /// Issue 19 item 3: an On-Demand successor MaxGroup launched as a fallback goes back to Spot once it has lived
    /// od_least_live_mins, with is_enable_preaction off; a dry run first only says so.
    /// </summary>
    [Fact]
    public async Task Run_OnDemandFallbackPastOdLeastLive_SwappedBackToSpotWithPreactionOff()
    {
        IReadOnlyList<string> own = await SetUpAsync(risky: 1, min: 1);
        string subnet = (await new MotoScene(_factory).DefaultSubnetIdsAsync())[0];
        RunInstancesResponse fallback = await Ec2.RunInstancesAsync(new RunInstancesRequest
        {
            MinCount = 1,
            MaxCount = 1,
            LaunchTemplate = new LaunchTemplateSpecification { LaunchTemplateName = Template, Version = "$Default" },
            SubnetId = subnet,
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Instance, Tags = [new Tag("spotmax:replaces", "i-0reclaimed"), new Tag("spotmax:group", Group)] }],
        });
        string onDemand = fallback.Reservation.Instances[0].InstanceId;
        await AutoScaling.AttachInstancesAsync(Group, [onDemand], CancellationToken.None);
        GroupConfig config = Config(batch: 1) with { IsEnablePreaction = false };

        // Younger than od_least_live_mins (15): left alone, and the plan says why.
        _clock.SetUtcNow(TimeProvider.System.GetUtcNow().AddMinutes(5));
        PreactionGroupResult young = await Executor().RunGroupAsync(config, dryRun: true, CancellationToken.None);
        Assert.Empty(young.Plan!.Swaps);
        Assert.Contains(young.Plan.Notes, n => n.Contains("od_least_live_mins", StringComparison.Ordinal));

        _clock.SetUtcNow(TimeProvider.System.GetUtcNow().AddMinutes(16));
        PreactionGroupResult planned = await Executor().RunGroupAsync(config, dryRun: true, CancellationToken.None);
        PlannedSwap swap = Assert.Single(planned.Plan!.Swaps);
        Assert.Equal((onDemand, SwapKind.OnDemandFallback, "c5.large"), (swap.InstanceId, swap.Kind, swap.NewType));
        Assert.Empty(await SpotSuccessorsAsync(onDemand));

        PreactionGroupResult started = await Executor().RunGroupAsync(config, dryRun: false, CancellationToken.None);

        Assert.Equal("started", started.Status);
        PreactionSwap running = Assert.Single(started.Batch!.Swaps);
        // No delays in this config: launched, attached, handed over, detached and terminated in the one run.
        Assert.Equal((SwapKind.OnDemandFallback, SwapPhase.Done), (running.Kind, running.Phase));
        Instance successor = Assert.Single(await SpotSuccessorsAsync(onDemand));
        Assert.Equal(("spot", "c5.large"), (successor.InstanceLifecycle?.Value, successor.InstanceType.Value));
        Assert.True(await IsMemberAsync(successor.InstanceId));
        Assert.False(await IsMemberAsync(onDemand));
        Assert.Equal("terminated", await StateAsync(onDemand));
        Assert.Equal(2, (await DescribeGroupAsync()).DesiredCapacity);
        Assert.Single(_metrics.Records, r => r.Name == "OnDemandReverted");
        // The group's own Spot member is not touched: preaction's advisor swaps are off for the group.
        Assert.True(await IsMemberAsync(own[0]));
    }

    [Fact]
    public async Task Run_MoreFallbacksThanTheBatch_SwapsBackAtMostMaxNumOfTerminatedOneTime()
    {
        await SetUpAsync(risky: 1, min: 1);
        IReadOnlyList<string> fallbacks = await AttachOnDemandFallbacksAsync(3);
        GroupConfig config = Config(batch: 2, detach: 600, terminate: 600) with { IsEnablePreaction = false };
        _clock.SetUtcNow(TimeProvider.System.GetUtcNow().AddMinutes(16));

        PreactionGroupResult started = await Executor().RunGroupAsync(config, dryRun: false, CancellationToken.None);

        Assert.Equal("started", started.Status);
        Assert.Equal(2, started.Batch!.Swaps.Count);
        Assert.All(started.Batch.Swaps, s => Assert.Equal((SwapKind.OnDemandFallback, SwapPhase.Attached), (s.Kind, s.Phase)));
        Assert.Contains(started.Plan!.Notes, n => n.Contains("max_num_of_terminated_one_time=2", StringComparison.Ordinal));
        List<string> swapped = started.Batch.Swaps.Select(s => s.OldInstanceId).ToList();
        Assert.Subset(fallbacks.ToHashSet(), swapped.ToHashSet());
        IReadOnlyList<Instance> successors = (await AllInstancesAsync())
            .Where(i => (i.Tags ?? []).Any(t => t.Key == "spotmax:replaces" && swapped.Contains(t.Value))).ToList();
        Assert.Equal(2, successors.Count);
        Assert.All(successors, i => Assert.Equal(("spot", "c5.large"), (i.InstanceLifecycle?.Value, i.InstanceType.Value)));
        // The third fallback waits for the next batch; nothing of it was launched or detached.
        string left = Assert.Single(fallbacks.Except(swapped));
        Assert.Empty(await SpotSuccessorsAsync(left));
        Assert.True(await IsMemberAsync(left));
        Assert.Equal(6, (await DescribeGroupAsync()).Instances.Count);

        PreactionGroupResult again = await Executor().RunGroupAsync(config, dryRun: false, CancellationToken.None);
        Assert.Equal("advanced", again.Status);
        Assert.Empty(await SpotSuccessorsAsync(left));
    }

    [Fact]
    public async Task Run_MixedGroupWithOnDemandBase_KeepsTheBaseAndSwapsOnlyTheFallbackAboveIt_DryRunFirstChangesNothing()
    {
        // Base 1, 0 % above it: of the two On-Demand fallbacks one is what the distribution wants at desired 3.
        await _moto.ResetAsync();
        await _factory.DynamoDb.CreateTableAsync(DynamoDbPreactionBatchStore.Definition(Table));
        await new MotoScene(_factory).LaunchTemplateAsync(Template, "c5.large");
        string subnet = (await new MotoScene(_factory).DefaultSubnetIdsAsync())[0];
        QueryRequest create = AutoScalingClient.NewQuery("CreateAutoScalingGroup")
            .Add("AutoScalingGroupName", Group)
            .Add("MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateName", Template)
            .Add("MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.Version", "$Default")
            .Add("MixedInstancesPolicy.LaunchTemplate.Overrides.member.1.InstanceType", "c5.large")
            .Add("MixedInstancesPolicy.LaunchTemplate.Overrides.member.2.InstanceType", "m5.large")
            .Add("MixedInstancesPolicy.InstancesDistribution.OnDemandBaseCapacity", 1)
            .Add("MixedInstancesPolicy.InstancesDistribution.OnDemandPercentageAboveBaseCapacity", 0)
            .Add("MinSize", 0)
            .Add("MaxSize", 10)
            .Add("DesiredCapacity", 0)
            .Add("VPCZoneIdentifier", subnet);
        await AutoScaling.CallAsync(create, CancellationToken.None);
        RunInstancesResponse own = await Ec2.RunInstancesAsync(new RunInstancesRequest
        {
            MinCount = 1,
            MaxCount = 1,
            InstanceType = InstanceType.M5Large,
            LaunchTemplate = new LaunchTemplateSpecification { LaunchTemplateName = Template, Version = "$Default" },
            SubnetId = subnet,
            InstanceMarketOptions = new InstanceMarketOptionsRequest { MarketType = MarketType.Spot },
        });
        await AutoScaling.AttachInstancesAsync(Group, [own.Reservation.Instances[0].InstanceId], CancellationToken.None);
        IReadOnlyList<string> fallbacks = await AttachOnDemandFallbacksAsync(2);
        AutoScalingGroupInfo before = await DescribeGroupAsync();
        Assert.Equal(new OnDemandDistribution(1, 0), before.OnDemand);
        Assert.Equal(3, before.DesiredCapacity);
        int instancesBefore = (await AllInstancesAsync()).Count;
        GroupConfig config = Config(batch: 5) with { IsEnablePreaction = false };
        _clock.SetUtcNow(TimeProvider.System.GetUtcNow().AddMinutes(16));

        PreactionGroupResult planned = await Executor().RunGroupAsync(config, dryRun: true, CancellationToken.None);

        PlannedSwap swap = Assert.Single(planned.Plan!.Swaps);
        // Oldest first; moto's launch times tie within the second, then the instance id decides.
        string kept = Assert.Single(fallbacks.Except([swap.InstanceId]));
        Assert.Contains(swap.InstanceId, fallbacks);
        Assert.Equal((SwapKind.OnDemandFallback, "m5.large"), (swap.Kind, swap.NewType));
        Assert.Contains(planned.Plan.Notes, n => n.StartsWith(kept + ": On-Demand fallback kept: the group's On-Demand base capacity", StringComparison.Ordinal));
        Assert.True(planned.DryRun);
        Assert.Null(await Store().GetAsync(Group, CancellationToken.None));
        IReadOnlyList<Instance> afterDryRun = await AllInstancesAsync();
        Assert.Equal(instancesBefore, afterDryRun.Count);
        Assert.DoesNotContain(afterDryRun, i => (i.Tags ?? []).Any(t => t.Key == PreactionTags.Batch));
        AutoScalingGroupInfo unchanged = await DescribeGroupAsync();
        Assert.Equal((before.DesiredCapacity, before.MinSize, before.MaxSize), (unchanged.DesiredCapacity, unchanged.MinSize, unchanged.MaxSize));
        Assert.Equal(before.Instances.Select(i => i.InstanceId).Order(), unchanged.Instances.Select(i => i.InstanceId).Order());
        Assert.DoesNotContain(_metrics.Records, r => r.Name == "OnDemandReverted");

        PreactionGroupResult started = await Executor().RunGroupAsync(config, dryRun: false, CancellationToken.None);

        Assert.Equal("started", started.Status);
        PreactionSwap running = Assert.Single(started.Batch!.Swaps);
        Assert.Equal((swap.InstanceId, SwapPhase.Done), (running.OldInstanceId, running.Phase));
        Instance successor = Assert.Single(await SpotSuccessorsAsync(swap.InstanceId));
        Assert.Equal(("spot", "m5.large"), (successor.InstanceLifecycle?.Value, successor.InstanceType.Value));
        Assert.True(await IsMemberAsync(successor.InstanceId));
        Assert.False(await IsMemberAsync(swap.InstanceId));
        Assert.True(await IsMemberAsync(kept));
        Assert.Equal(3, (await DescribeGroupAsync()).DesiredCapacity);
        Assert.Single(_metrics.Records, r => r.Name == "OnDemandReverted");
    }

    private PreactionExecutor Executor() => new(
        AutoScaling,
        new Ec2PreactionInstanceApi(Ec2),
        new Ec2SuccessorLauncher(Ec2),
        Store(),
        new FakeSpotAdvisor(SpotAdvisorSnapshot.Data.WithOrigin("trimmed snapshot served as a download", isFallback: false)),
        null,
        [],
        _clock,
        _metrics,
        NullLogger.Instance,
        new PreactionOptions { Region = MotoFixture.Region, BucketThreshold = 1 });

    private DynamoDbPreactionBatchStore Store() => new(_factory.DynamoDb, Table);

    private static GroupConfig Config(int batch, int detach = 0, int terminate = 0) => new()
    {
        GroupName = Group,
        IsEnablePreaction = true,
        MaxNumOfTerminatedOneTime = batch,
        PreactionDetachDelaySeconds = detach,
        PreactionTerminationDelaySeconds = terminate,
        AlternativeInstanceTypes = ["m5.large"],
    };

    /// <summary>A group of <paramref name="risky"/> running c5.large Spot instances of its own; returns their ids.</summary>
    private async Task<IReadOnlyList<string>> SetUpAsync(int risky, int min)
    {
        await _moto.ResetAsync();
        await _factory.DynamoDb.CreateTableAsync(DynamoDbPreactionBatchStore.Definition(Table));
        await new MotoScene(_factory).LaunchTemplateAsync(Template, "c5.large");
        string subnet = (await new MotoScene(_factory).DefaultSubnetIdsAsync())[0];
        await new MotoScene(_factory).GroupAsync(Group, Template, min: 0, max: 10, desired: 0);
        RunInstancesResponse launched = await Ec2.RunInstancesAsync(new RunInstancesRequest
        {
            MinCount = risky,
            MaxCount = risky,
            LaunchTemplate = new LaunchTemplateSpecification { LaunchTemplateName = Template, Version = "$Default" },
            SubnetId = subnet,
            InstanceMarketOptions = new InstanceMarketOptionsRequest { MarketType = MarketType.Spot },
        });
        List<string> ids = launched.Reservation.Instances.Select(i => i.InstanceId).ToList();
        await AutoScaling.AttachInstancesAsync(Group, ids, CancellationToken.None);
        await AutoScaling.UpdateAutoScalingGroupAsync(Group, min, 10, CancellationToken.None);
        return ids;
    }

    /// <summary><paramref name="count"/> On-Demand successors as MaxGroup's fallback launches leave them (spotmax:replaces), attached.</summary>
    private async Task<IReadOnlyList<string>> AttachOnDemandFallbacksAsync(int count)
    {
        string subnet = (await new MotoScene(_factory).DefaultSubnetIdsAsync())[0];
        var ids = new List<string>();
        for (int i = 0; i < count; i++)
        {
            RunInstancesResponse fallback = await Ec2.RunInstancesAsync(new RunInstancesRequest
            {
                MinCount = 1,
                MaxCount = 1,
                LaunchTemplate = new LaunchTemplateSpecification { LaunchTemplateName = Template, Version = "$Default" },
                SubnetId = subnet,
                TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Instance, Tags = [new Tag("spotmax:replaces", $"i-0reclaimed{i}"), new Tag("spotmax:group", Group)] }],
            });
            ids.Add(fallback.Reservation.Instances[0].InstanceId);
        }

        await AutoScaling.AttachInstancesAsync(Group, ids, CancellationToken.None);
        Assert.All((await AllInstancesAsync()).Where(i => ids.Contains(i.InstanceId)), i => Assert.Null(i.InstanceLifecycle?.Value));
        return ids;
    }

    private async Task<AutoScalingGroupInfo> DescribeGroupAsync() =>
        (await AutoScaling.DescribeAutoScalingGroupsAsync([Group], CancellationToken.None)).Single();

    private async Task<bool> IsMemberAsync(string instanceId) =>
        (await DescribeGroupAsync()).Instances.Any(i => i.InstanceId == instanceId && i.LifecycleState == "InService");

    private async Task<IReadOnlyList<Instance>> AllInstancesAsync()
    {
        DescribeInstancesResponse response = await Ec2.DescribeInstancesAsync(new DescribeInstancesRequest());
        return (response.Reservations ?? []).SelectMany(r => r.Instances ?? []).ToList();
    }

    private async Task<IReadOnlyList<Instance>> SpotSuccessorsAsync(string replaced) =>
        (await AllInstancesAsync()).Where(i => (i.Tags ?? []).Any(t => t.Key == "spotmax:replaces" && t.Value == replaced)).ToList();

    private async Task<string> StateAsync(string instanceId) =>
        (await AllInstancesAsync()).Single(i => i.InstanceId == instanceId).State.Name.Value;
}
