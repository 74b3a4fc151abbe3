using MaxGroup.Aws.Lambda;
using MaxGroup.Core.Ledger;

namespace MaxGroup.Integration.Tests.Volume;

/// <summary>
/// In Lambda the dispatcher forwards volume events to the volume function: only events that can concern a move go,
/// and what goes is an EventBridge event the volume function parses back to the same event.
/// </summary>
public sealed class VolumeEventForwarderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 8, 16, 25, TimeSpan.Zero);

    [Fact]
    public async Task StateChange_InterruptionWithVolumeStep_ForwardedAndParsesBack()
    {
        await using LoopbackAwsServer lambda = await LoopbackAwsServer.StartAsync((_, _) => new LoopbackAnswer(202, "", "application/json"));
        var ledger = new InMemoryLedger();
        await BeginAsync(ledger, "i-0b662ef9931388ba0", [StepNames.Replace, StepNames.Volume]);
        VolumeEventForwarder forwarder = Forwarder(lambda, ledger, GroupConfigLookup.NotManaged("unused"));
        var stateChange = (MaxGroupEvent.InstanceStateChange)EventParser.Parse(
            await File.ReadAllTextAsync(Runtime.RepositoryPaths.Event("ec2-instance-state-change-terminated.json")));

        DispatchResult result = await forwarder.OnInstanceStateChangeAsync(stateChange, CancellationToken.None);

        Assert.Equal(DispatchStatus.Routed, result.Status);
        RecordedRequest invoke = Assert.Single(lambda.Requests);
        Assert.Equal("/2015-03-31/functions/maxgroup-volume/invocations", invoke.Path);
        Assert.Equal("Event", invoke.Headers["X-Amz-Invocation-Type"]);
        var forwarded = Assert.IsType<MaxGroupEvent.InstanceStateChange>(EventParser.Parse(invoke.BodyText));
        Assert.Equal(stateChange.Event.Detail, forwarded.Event.Detail);
        Assert.Equal(stateChange.Id, forwarded.Id);
        Assert.Equal(stateChange.Time, forwarded.Time);
    }

    [Fact]
    public async Task StateChange_NoVolumeStepRecorded_AnsweredWithoutInvoking()
    {
        await using LoopbackAwsServer lambda = await LoopbackAwsServer.StartAsync((_, _) => new LoopbackAnswer(202, "", "application/json"));
        var ledger = new InMemoryLedger();
        await BeginAsync(ledger, "i-0b662ef9931388ba0", [StepNames.Replace]);
        VolumeEventForwarder forwarder = Forwarder(lambda, ledger, GroupConfigLookup.NotManaged("unused"));
        var stateChange = (MaxGroupEvent.InstanceStateChange)EventParser.Parse(
            await File.ReadAllTextAsync(Runtime.RepositoryPaths.Event("ec2-instance-state-change-terminated.json")));

        DispatchResult result = await forwarder.OnInstanceStateChangeAsync(stateChange, CancellationToken.None);

        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.Empty(lambda.Requests);
    }

    [Theory]
    [InlineData(true, "/dev/sdf", true)]
    [InlineData(true, null, false)]
    [InlineData(false, null, false)]
    public async Task Launch_ForwardedOnlyForGroupsThatMoveAVolume(bool managed, string? persistenceDev, bool forwarded)
    {
        await using LoopbackAwsServer lambda = await LoopbackAwsServer.StartAsync((_, _) => new LoopbackAnswer(202, "", "application/json"));
        GroupConfigLookup config = managed
            ? GroupConfigLookup.ManagedBy(new GroupConfig { GroupName = "web-spot", PersistenceDev = persistenceDev })
            : GroupConfigLookup.NotManaged("no config");
        VolumeEventForwarder forwarder = Forwarder(lambda, new InMemoryLedger(), config);
        var launch = (MaxGroupEvent.AutoScalingLaunch)EventParser.Parse(
            await File.ReadAllTextAsync(Runtime.RepositoryPaths.Event("autoscaling-instance-launch-successful.json")));

        DispatchResult result = await forwarder.OnInstanceLaunchAsync(launch, CancellationToken.None);

        Assert.Equal(forwarded ? DispatchStatus.Routed : DispatchStatus.NoOp, result.Status);
        Assert.Equal(forwarded ? 1 : 0, lambda.Requests.Count);
        if (forwarded)
        {
            var back = Assert.IsType<MaxGroupEvent.AutoScalingLaunch>(EventParser.Parse(lambda.Requests[0].BodyText));
            Assert.True(back.Successful);
            Assert.Equal(launch.Event.Detail.InstanceId, back.Event.Detail.InstanceId);
            Assert.Equal(launch.Event.Detail.AvailabilityZone, back.Event.Detail.AvailabilityZone);
        }
    }

    private static VolumeEventForwarder Forwarder(LoopbackAwsServer lambda, ILedger ledger, GroupConfigLookup config) =>
        new(new LambdaInvokeClient(AwsTestClients.SignedClient(lambda.Endpoint, AwsService.Lambda)), "maxgroup-volume", ledger, new FixedConfigs(config), NullLogger.Instance);

    private static async Task BeginAsync(InMemoryLedger ledger, string instanceId, IReadOnlyList<string> steps)
    {
        var record = new InterruptionRecord
        {
            InstanceId = instanceId,
            GroupName = "web-spot",
            EventIds = ["1e5527d7-bb36-4607-3370-4164db56a40e"],
            WarningTime = Now.AddSeconds(-124),
            ReclaimAt = Now.AddSeconds(-4),
            Steps = [.. steps.Select(s => new StepRecord { Name = s })],
            CreatedAt = Now,
            ExpiresAt = Now.AddDays(30),
        };
        await ledger.TryBeginInterruptionAsync(record, new InFlightLimits(), Now, CancellationToken.None);
    }


    private sealed class FixedConfigs(GroupConfigLookup lookup) : IGroupConfigSource
    {
        public Task<GroupConfigLookup> GetAsync(string groupName, CancellationToken cancellationToken) => Task.FromResult(lookup);
    }
}
