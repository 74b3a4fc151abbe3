using System.Text.Json.Nodes;
using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Routing;
using MaxGroup.Core.Tests.Events;

namespace MaxGroup.Core.Tests.Dispatch;

/// <summary>An AWS Health scheduled change opens one planned hand-over per affected instance, by the event's start time.</summary>
public sealed class HealthScheduledChangeTests
{
    private const string First = "i-0b662ef9931388ba0";
    private const string Second = "i-0c7d1e2f3a4b5c6d7";
    private static readonly DateTimeOffset EventTime = new(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset StartTime = new(2026, 12, 8, 8, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(EventTime + TimeSpan.FromSeconds(5));
    private readonly FakeInventory _inventory = new();
    private readonly FakeConfigSource _configs = new();
    private readonly InMemoryLedger _ledger = new();
    private readonly RecordingInvoker _invoker = new();
    private readonly RecordingMetrics _metrics = new();

    private static string SampleJson() => SampleEvents.Read("aws-health-ec2-instance-retirement-scheduled.json");

    private static MaxGroupEvent.HealthEvent Sample(Action<JsonObject>? change = null)
    {
        JsonObject json = JsonNode.Parse(SampleJson())!.AsObject();
        change?.Invoke(json);
        return Assert.IsType<MaxGroupEvent.HealthEvent>(EventParser.Parse(json.ToJsonString()));
    }

    private Dispatcher CreateDispatcher() =>
        new(_inventory, _configs, _ledger, _invoker, new RecordingVolumeTriggers(), new DispatcherOptions(), _clock, _metrics, NullLogger.Instance);

    private void AddManagedGroup()
    {
        _inventory.Add(Samples.Instance(First, "web"));
        _inventory.Add(Samples.Instance(Second, "web"));
        _configs.Add(new GroupConfig { GroupName = "web", PersistenceDev = "/dev/sdf", ConsulPort = 8500 });
    }

    [Fact]
    public void Parse_RealShapedSample_ReadsTypeStatusStartTimeAndInstances()
    {
        MaxGroupEvent.HealthEvent health = Sample();

        HealthEventDetail detail = health.Event.Detail;
        Assert.Equal("EC2", detail.Service);
        Assert.Equal("AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED", detail.EventTypeCode);
        Assert.Equal("scheduledChange", detail.EventTypeCategory);
        Assert.Equal("upcoming", detail.StatusCode);
        Assert.Equal(StartTime, detail.StartTime);
        Assert.Equal([First, Second], detail.AffectedInstanceIds);
    }

    [Theory]
    [InlineData("Tue, 8 Dec 2026 08:00:00 GMT")]
    [InlineData("2026-12-08T08:00:00Z")]
    public void Parse_StartTimeInEitherFormat_IsRead(string text)
    {
        MaxGroupEvent.HealthEvent health = Sample(e => e["detail"]!["startTime"] = text);

        Assert.Equal(StartTime, health.Event.Detail.StartTime);
    }

    [Fact]
    public void Parse_BadStartTime_NamesTheField()
    {
        string json = SampleJson().Replace("\"startTime\": \"Tue, 08 Dec 2026 08:00:00 GMT\"", "\"startTime\": \"next week\"", StringComparison.Ordinal);

        EventParseException error = Assert.Throws<EventParseException>(() => EventParser.Parse(json));
        Assert.Contains("detail.startTime", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EntitiesThatAreNotInstances_AreSkippedAndRepeatsCountOnce()
    {
        MaxGroupEvent.HealthEvent health = Sample(e => e["detail"]!["affectedEntities"] = new JsonArray(
            new JsonObject { ["entityValue"] = "vol-0123456789abcdef0" },
            new JsonObject { ["entityValue"] = "UNKNOWN" },
            new JsonObject { ["entityValue"] = Second },
            new JsonObject { ["entityValue"] = Second }));

        Assert.Equal([Second], health.Event.Detail.AffectedInstanceIds);
    }

    [Theory]
    [InlineData("AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED", "retire")]
    [InlineData("AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED", "retire")]
    [InlineData("AWS_EC2_INSTANCE_STOP_SCHEDULED", "scheduled-stop")]
    [InlineData("AWS_EC2_INSTANCE_REBOOT_MAINTENANCE_SCHEDULED", "reboot")]
    [InlineData("AWS_EC2_SYSTEM_REBOOT_MAINTENANCE_SCHEDULED", "reboot")]
    public void Openings_ScheduledChange_OnePerInstanceWithStartTimeAsDeadline(string code, string action)
    {
        IReadOnlyList<HandoverOpening> openings = HandoverRoutes.HealthOpenings(Sample(e => e["detail"]!["eventTypeCode"] = code));

        Assert.Equal([First, Second], openings.Select(o => o.InstanceId));
        Assert.All(openings, o =>
        {
            Assert.Equal(HandoverTrigger.HealthScheduledChange, o.Trigger);
            Assert.Equal(action, o.InstanceAction);
            Assert.Equal(new ReclaimDeadline(EventTime, StartTime), o.Deadline);
        });
    }

    [Theory]
    [InlineData("statusCode", "closed")]
    [InlineData("eventTypeCategory", "issue")]
    [InlineData("service", "RDS")]
    [InlineData("eventTypeCode", "AWS_EC2_INSTANCE_NETWORK_MAINTENANCE_SCHEDULED")]
    public void Openings_NotAnEc2ScheduledChangeToHandOver_None(string field, string value)
    {
        Assert.Empty(HandoverRoutes.HealthOpenings(Sample(e => e["detail"]![field] = value)));
    }

    [Fact]
    public void Openings_StartAlreadyPassed_GetTheSpotNoticeFromTheEvent()
    {
        IReadOnlyList<HandoverOpening> openings = HandoverRoutes.HealthOpenings(Sample(e =>
        {
            e["detail"]!["statusCode"] = "open";
            e["detail"]!["startTime"] = "Tue, 24 Nov 2026 07:00:00 GMT";
        }));

        Assert.All(openings, o => Assert.Equal(EventTime + ReclaimDeadline.NoticePeriod, o.Deadline.ReclaimAt));
    }

    [Fact]
    public async Task Dispatch_RetirementOfTwoInstances_OpensOneHandoverEachByTheStartTime()
    {
        AddManagedGroup();

        DispatchResult result = await CreateDispatcher().DispatchAsync(Sample(), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, result.Status);
        Assert.Equal(["consul", "consul", "replace", "replace", "volume", "volume"], _invoker.Started.Select(r => r.Step).Order());
        Assert.Equal([First, First, First, Second, Second, Second], _invoker.Started.Select(r => r.Instance.InstanceId).Order());
        Assert.All(_invoker.Started, r =>
        {
            Assert.Equal(HandoverTrigger.HealthScheduledChange, r.Trigger);
            Assert.Equal(EventTime, r.WarningTime);
            Assert.Equal(StartTime, r.ReclaimAt);
            Assert.Equal("retire", r.InstanceAction);
        });
        foreach (string id in new[] { First, Second })
        {
            InterruptionRecord record = Assert.IsType<InterruptionRecord>(await _ledger.GetAsync(id, CancellationToken.None));
            Assert.Equal(HandoverTrigger.HealthScheduledChange, record.Trigger);
            // The record outlives the start: a later update of the event still finds the hand-over.
            Assert.Equal(StartTime.AddDays(30), record.ExpiresAt);
        }

        Assert.Equal(2, _metrics.Records.Where(r => r.Name == "ScheduledChanges").Sum(r => r.Value));
    }

    [Fact]
    public async Task Dispatch_RedeliveredAndUpdatedEvent_OpensEachInstanceOnce()
    {
        AddManagedGroup();
        const string Third = "i-0d8e9f0a1b2c3d4e5";
        _inventory.Add(Samples.Instance(Third, "web"));
        Dispatcher dispatcher = CreateDispatcher();
        await dispatcher.DispatchAsync(Sample(), CancellationToken.None);
        foreach (string id in new[] { First, Second })
        {
            foreach (string step in new[] { "replace", "volume", "consul" })
            {
                await _ledger.RecordStepAsync(id, step, StepOutcome.Done("handed over"), _clock.GetUtcNow(), CancellationToken.None);
            }
        }

        DispatchResult again = await dispatcher.DispatchAsync(Sample(), CancellationToken.None);
        // AWS Health updates the event (a new EventBridge id) and a later page names one more instance.
        DispatchResult update = await dispatcher.DispatchAsync(Sample(e =>
        {
            e["id"] = "9d1f0e2c-3b4a-4c5d-8e6f-7a8b9c0d1e2f";
            ((JsonArray)e["detail"]!["affectedEntities"]!).Add(new JsonObject { ["entityValue"] = Third });
        }), CancellationToken.None);

        Assert.Equal(DispatchStatus.Duplicate, again.Status);
        Assert.Equal(DispatchStatus.Started, update.Status);
        Assert.Equal(3, _invoker.Started.Count(r => r.Instance.InstanceId == First));
        Assert.Equal(3, _invoker.Started.Count(r => r.Instance.InstanceId == Second));
        Assert.Equal(3, _invoker.Started.Count(r => r.Instance.InstanceId == Third));
        Assert.Contains($"{First}: duplicate", update.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispatch_InstancesOutsideManagedGroups_OpenNothing()
    {
        _inventory.Add(Samples.Instance(First, group: null));
        _inventory.Add(Samples.Instance(Second, "batch"));

        DispatchResult result = await CreateDispatcher().DispatchAsync(Sample(), CancellationToken.None);

        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.Empty(_invoker.Started);
        Assert.Contains("not in an Auto Scaling group", result.Reason, StringComparison.Ordinal);
        Assert.Contains("not managed", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispatch_ClosedEvent_IsANoOpThatSaysWhy()
    {
        AddManagedGroup();

        DispatchResult result = await CreateDispatcher().DispatchAsync(Sample(e => e["detail"]!["statusCode"] = "closed"), CancellationToken.None);

        Assert.Equal(DispatchStatus.NoOp, result.Status);
        Assert.Empty(_invoker.Started);
        Assert.Contains("closed", result.Reason, StringComparison.Ordinal);
    }
}
