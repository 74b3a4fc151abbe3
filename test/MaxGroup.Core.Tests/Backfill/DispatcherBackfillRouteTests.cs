using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Tests.Events;

namespace MaxGroup.Core.Tests.Backfill;

public sealed class DispatcherBackfillRouteTests
{
    private readonly RecordingVolumeTriggers _volume = new();
    private readonly RecordingBackfill _backfill = new();

    [Fact]
    public async Task Dispatch_LaunchUnsuccessful_GoesToTheBackfillWithItsActivity()
    {
        MaxGroupEvent failed = EventParser.Parse(SampleEvents.Read("autoscaling-instance-launch-unsuccessful.json"));

        DispatchResult result = await Dispatcher().DispatchAsync(failed, CancellationToken.None);

        Assert.Equal("backfill", result.Reason);
        MaxGroupEvent.AutoScalingLaunch received = Assert.Single(_backfill.Received);
        Assert.Equal("0d6c2a11-4b7e-4c3f-9a55-2e8f1b7c6d90", received.Event.Detail.ActivityId);
        Assert.Equal("us-east-1b", received.Event.Detail.AvailabilityZone);
        Assert.Empty(_volume.Received);
    }

    [Fact]
    public async Task Dispatch_LaunchSuccessful_StillGoesToTheVolumeTriggers()
    {
        MaxGroupEvent launched = EventParser.Parse(SampleEvents.Read("autoscaling-instance-launch-successful.json"));

        await Dispatcher().DispatchAsync(launched, CancellationToken.None);

        Assert.Single(_volume.Received);
        Assert.Empty(_backfill.Received);
    }

    private Dispatcher Dispatcher() => new(
        new FakeInventory(), new FakeConfigSource(), new InMemoryLedger(), new RecordingInvoker(), _volume, new DispatcherOptions(),
        new FakeTimeProvider(), new RecordingMetrics(), NullLogger.Instance)
    {
        Backfill = _backfill,
    };

    private sealed class RecordingBackfill : ILaunchFailureHandler
    {
        public List<MaxGroupEvent.AutoScalingLaunch> Received { get; } = [];

        public Task<DispatchResult> OnLaunchFailedAsync(MaxGroupEvent.AutoScalingLaunch launch, CancellationToken cancellationToken)
        {
            Received.Add(launch);
            return Task.FromResult(DispatchResult.NoOp(launch, "backfill"));
        }
    }
}
