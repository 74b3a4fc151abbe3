using MaxGroup.Core.Runner;

namespace MaxGroup.Integration.Tests.Notify;

/// <summary>
/// The hand-over events with the real composition on moto: the inline dispatcher hands an instance over and publishes
/// through the EventBridge client on the default bus, where a rule (source maxgroup) sends them to an SQS queue, as an
/// operator's notification route would. moto's EventBridge matches the rule's pattern for real.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class HandoverEventsMotoTests(MotoFixture moto)
{
    private const string LaunchConfig = """{"replacement_strategy": "launch", "detaching_delay_seconds": 0}""";
    private const string Pattern = """{"source":["maxgroup"]}""";

    [Fact]
    public async Task Handover_Launch_PublishesStartedAndCompletedThatReachTheQueueThroughARule()
    {
        using CliScene scene = await CliScene.CreateAsync(moto, LaunchConfig, maxSize: 3);
        using MotoEventBus bus = await MotoEventBus.RouteToQueueAsync(scene.Aws, AwsTestClients.TestCredentials, Pattern);
        string doomed = (await scene.InstanceIdsAsync())[0];

        (InvocationResult answer, _, _) = await HandOverAsync(doomed);
        IReadOnlyList<JsonElement> events = await bus.ReceiveAsync(e => e.Count >= 2, TimeSpan.FromSeconds(15));

        Assert.True(answer.Succeeded, answer.Error?.ErrorMessage);
        Assert.Equal([HandoverEventTypes.Completed, HandoverEventTypes.Started], MotoEventBus.DetailTypes(events).Order(StringComparer.Ordinal));
        JsonElement completed = events.Single(e => e.GetProperty("detail-type").GetString() == HandoverEventTypes.Completed);
        Assert.Equal("maxgroup", completed.GetProperty("source").GetString());
        JsonElement detail = completed.GetProperty("detail");
        Assert.Equal(doomed, detail.GetProperty("instance_id").GetString());
        Assert.Equal(CliScene.Group, detail.GetProperty("group_name").GetString());
        Assert.Equal("warning", detail.GetProperty("trigger").GetString());
        Assert.Equal("done", detail.GetProperty("status").GetString());
        Assert.StartsWith("i-", detail.GetProperty("successor_instance_id").GetString(), StringComparison.Ordinal);
        JsonElement replace = detail.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("name").GetString() == StepNames.Replace);
        Assert.Equal("done", replace.GetProperty("status").GetString());
        Assert.True(replace.TryGetProperty("finished_at", out _));
        JsonElement started = events.Single(e => e.GetProperty("detail-type").GetString() == HandoverEventTypes.Started).GetProperty("detail");
        Assert.Equal("active", started.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Handover_EventBusUnreachable_SameResultAndTheFailureIsCounted()
    {
        // The same hand-over twice: once with the bus answering, once with PutEvents pointed at a closed port.
        using CliScene scene = await CliScene.CreateAsync(moto, LaunchConfig, maxSize: 4);
        IReadOnlyList<string> members = await scene.InstanceIdsAsync();
        (InvocationResult reachable, InterruptionRecord? told, string toldLogs) = await HandOverAsync(members[0]);
        scene.Set(AwsService.EventBridge.EndpointVariable, "http://127.0.0.1:9");
        (InvocationResult unreachable, InterruptionRecord? untold, string logs) = await HandOverAsync(members[1]);

        Assert.True(reachable.Succeeded && unreachable.Succeeded, unreachable.Error?.ErrorMessage);
        Assert.Equal(Shape(told), Shape(untold));
        Assert.Equal(InterruptionStatus.Done, untold!.Status);
        Assert.Contains($"\"{HandoverNotifier.PublishedMetric}\":1", toldLogs, StringComparison.Ordinal);
        Assert.DoesNotContain(HandoverNotifier.FailedMetric, toldLogs, StringComparison.Ordinal);
        Assert.Contains($"\"{HandoverNotifier.FailedMetric}\":1", logs, StringComparison.Ordinal);
        Assert.DoesNotContain($"\"{HandoverNotifier.PublishedMetric}\":1", logs, StringComparison.Ordinal);
    }

    /// <summary>What a hand-over's result is: its status and each step's status, without ids and times.</summary>
    private static string Shape(InterruptionRecord? record) =>
        record is null ? "none" : $"{record.Status}: " + string.Join(", ", record.Steps.Select(s => $"{s.Name} {s.Status}"));

    private static async Task<(InvocationResult Answer, InterruptionRecord? Record, string Logs)> HandOverAsync(string doomed)
    {
        var logs = new MemoryStream();
        using var host = new LocalFunctionHost(new InvocationOptions { Inline = true }, new LogSink(logs));
        InvocationResult answer = await host.InvokeAsync(
            "dispatcher", DemoScene.WarningJson("ev-" + Guid.NewGuid().ToString("N")[..8], doomed, "us-east-1a", "terminate", DateTimeOffset.UtcNow.AddSeconds(120)), CancellationToken.None);
        InterruptionRecord? record = await host.Services.Ledger.GetAsync(doomed, CancellationToken.None);
        return (answer, record, Encoding.UTF8.GetString(logs.ToArray()));
    }
}
