using System.Text.Json;

namespace MaxGroup.Core.Tests.Dispatch;

public sealed class RemediationJsonTests
{
    [Fact]
    public void RemediationRequest_RoundTrip_KeepsEveryFieldTheStepsRead()
    {
        var request = new RemediationRequest
        {
            Step = "volume",
            EventId = "ev-1",
            InstanceAction = "hibernate",
            WarningTime = Samples.WarningTime,
            ReclaimAt = Samples.WarningTime.AddSeconds(120),
            Instance = Samples.Instance("i-0123456789abcdef0") with
            {
                BlockDevices = [new BlockDeviceFact("/dev/sdf", "vol-1", false, "attached")],
                Tags = new Dictionary<string, string> { ["aws:autoscaling:groupName"] = "web" },
            },
            Config = new GroupConfig
            {
                GroupName = "web",
                PersistenceDev = "/dev/sdf",
                ReplacementStrategy = ReplacementStrategy.Launch,
                AlternativeInstanceTypes = ["c5.large"],
                ConsulPort = 8500,
                DetachingDelaySeconds = 45,
            },
            DryRun = true,
            Trigger = HandoverTrigger.Dequeued,
            SuccessorInstanceId = "i-0fedcba9876543210",
        };

        string json = JsonSerializer.Serialize(request, RemediationJsonContext.Default.RemediationRequest);
        RemediationRequest back = JsonSerializer.Deserialize(json, RemediationJsonContext.Default.RemediationRequest)!;

        Assert.Contains("\"replacementStrategy\":\"Launch\"", json, StringComparison.Ordinal);
        Assert.Equal(json, JsonSerializer.Serialize(back, RemediationJsonContext.Default.RemediationRequest));
        Assert.Equal("hibernate", back.InstanceAction);
        Assert.Equal(request.ReclaimAt, back.ReclaimAt);
        Assert.Equal(ReplacementStrategy.Launch, back.Config.EffectiveStrategy);
        Assert.Equal(["c5.large"], back.Config.AlternativeInstanceTypes);
        Assert.Equal(8500, back.Config.ConsulPort);
        Assert.Equal("vol-1", Assert.Single(back.Instance.BlockDevices).VolumeId);
        Assert.Equal(new LaunchTemplateRef("lt-1", null, "3"), back.Instance.LaunchTemplate);
        Assert.True(back.DryRun);
    }

    [Theory]
    [InlineData(HandoverTrigger.SpotWarning, "warning")]
    [InlineData(HandoverTrigger.Rebalance, "rebalance")]
    [InlineData(HandoverTrigger.Dequeued, "dequeued")]
    [InlineData(HandoverTrigger.StateChange, "state-change")]
    [InlineData(HandoverTrigger.Launch, "launch")]
    [InlineData(HandoverTrigger.Sweep, "sweep")]
    [InlineData(HandoverTrigger.Preaction, "preaction")]
    [InlineData(HandoverTrigger.LifecycleHook, "lifecycle-hook")]
    [InlineData(HandoverTrigger.ReservationWarning, "reservation-warning")]
    [InlineData(HandoverTrigger.HealthScheduledChange, "health-scheduled-change")]
    [InlineData(HandoverTrigger.UnwarnedStateChange, "unwarned-state-change")]
    public void RemediationRequest_Trigger_TravelsUnderTheStringItAlwaysHad(HandoverTrigger trigger, string wire)
    {
        RemediationRequest request = Minimal() with { Trigger = trigger };

        string json = JsonSerializer.Serialize(request, RemediationJsonContext.Default.RemediationRequest);

        Assert.Contains($"\"trigger\":\"{wire}\"", json, StringComparison.Ordinal);
        Assert.Equal(wire, trigger.WireName());
        Assert.Equal(trigger, JsonSerializer.Deserialize(json, RemediationJsonContext.Default.RemediationRequest)!.Trigger);
    }

    [Fact]
    public void RemediationRequest_UnknownTrigger_IsRejected()
    {
        string json = JsonSerializer.Serialize(Minimal(), RemediationJsonContext.Default.RemediationRequest)
            .Replace("\"trigger\":\"warning\"", "\"trigger\":\"not-a-trigger\"", StringComparison.Ordinal);

        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, RemediationJsonContext.Default.RemediationRequest));
    }

    [Fact]
    public void RemediationRequest_MissingInstance_IsRejected()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(
            """{"step":"replace","eventId":"e","warningTime":"2026-11-24T08:14:21Z","reclaimAt":"2026-11-24T08:16:21Z","config":{}}""",
            RemediationJsonContext.Default.RemediationRequest));
    }

    private static RemediationRequest Minimal() => new()
    {
        Step = "volume",
        EventId = "ev-1",
        WarningTime = Samples.WarningTime,
        ReclaimAt = Samples.WarningTime.AddSeconds(120),
        Instance = Samples.Instance("i-0123456789abcdef0"),
        Config = new GroupConfig { GroupName = "web" },
    };
}
