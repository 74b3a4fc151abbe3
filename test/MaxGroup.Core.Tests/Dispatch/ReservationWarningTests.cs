using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Tests.Events;

namespace MaxGroup.Core.Tests.Dispatch;

/// <summary>An interruptible Capacity Reservation's warning is handed over as a Spot warning is, by its own termination time.</summary>
public sealed class ReservationWarningTests
{
    private const string InstanceId = "i-0b662ef9931388ba0";
    private static readonly DateTimeOffset WarningTime = new(2026, 11, 24, 8, 14, 21, TimeSpan.Zero);

    private static string SampleJson() => SampleEvents.Read("ec2-capacity-reservation-interruption-warning.json");

    [Fact]
    public void Parse_RealShapedSample_ReadsInstanceActionAndTerminationTime()
    {
        var warning = Assert.IsType<MaxGroupEvent.ReservationInterruption>(EventParser.Parse(SampleJson()));

        Assert.Equal(InstanceId, warning.Event.Detail.InstanceId);
        Assert.Equal(InstanceAction.Terminate, warning.Event.Detail.InstanceAction);
        Assert.Equal(WarningTime.AddSeconds(120), warning.Event.Detail.TerminationTime);
    }

    [Fact]
    public void Parse_BadTerminationTime_NamesTheField()
    {
        string json = SampleJson().Replace("2026-11-24T08:16:21Z", "soon", StringComparison.Ordinal);

        EventParseException error = Assert.Throws<EventParseException>(() => EventParser.Parse(json));
        Assert.Contains("detail.instance-termination-time", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispatch_ReservationWarning_StartsTheSameStepsAsASpotWarningWithItsTerminationTime()
    {
        var clock = new FakeTimeProvider(WarningTime + TimeSpan.FromSeconds(2));
        var inventory = new FakeInventory();
        var configs = new FakeConfigSource();
        var invoker = new RecordingInvoker();
        inventory.Add(Samples.Instance(InstanceId, "web"));
        configs.Add(new GroupConfig { GroupName = "web", PersistenceDev = "/dev/sdf", ConsulPort = 8500 });
        var dispatcher = new Dispatcher(inventory, configs, new InMemoryLedger(), invoker, new RecordingVolumeTriggers(), new DispatcherOptions(), clock, new RecordingMetrics(), NullLogger.Instance);

        DispatchResult result = await dispatcher.DispatchAsync(EventParser.Parse(SampleJson()), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, result.Status);
        Assert.Equal(["consul", "replace", "volume"], invoker.Started.Select(r => r.Step).Order());
        Assert.All(invoker.Started, r =>
        {
            Assert.Equal(HandoverTrigger.ReservationWarning, r.Trigger);
            Assert.Equal(WarningTime.AddSeconds(120), r.ReclaimAt);
            Assert.Equal("terminate", r.InstanceAction);
        });
    }
}
