using System.Text.RegularExpressions;
using Amazon.EC2.Model;

namespace MaxGroup.Integration.Tests.Reliability;

/// <summary>
/// The triggers beside the Spot warning meeting it for the same instance, each event delivered twice (e1 e2 e1' e2'),
/// through the real dispatcher and steps on moto (<see cref="EventOrderScene"/>): a terminate lifecycle action (L) with a
/// Spot warning (W) in either order; an AWS Health retirement (H) with a Spot warning in either order; an interruptible
/// Capacity Reservation's warning (R) followed by the instance shutting down. The world stays physically possible: a
/// lifecycle action is open in Auto Scaling from the start (the instance was chosen for termination, by a scale-in or
/// Capacity Rebalancing acting on the same interruption, as EC2 warned), so the proxy in front of moto gives
/// CompleteLifecycleAction, RecordLifecycleActionHeartbeat and a DetachInstances of that instance Auto Scaling's
/// documented answers (<see cref="LifecycleActionEmulator"/>; moto 5.2.1 has no lifecycle actions); AWS reclaims the
/// instance only after the events were handled. Invariants are read from moto, the emulator and the ledger.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class EventOrderTriggerTests(MotoFixture moto, ITestOutputHelper output)
{
    private const string Hook = "maxgroup-drain";
    private const string Token = "6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f";

    [Theory]
    [InlineData("LW")]
    [InlineData("WL")]
    public async Task LifecycleActionAndSpotWarning_EitherOrderEachTwice_HookCompletedOnceNothingTwice(string order)
    {
        using EventOrderScene scene = await EventOrderScene.CreateAsync(moto);
        await using AwsFaultProxy proxy = await AwsFaultProxy.StartAsync(moto.Endpoint);
        scene.Cli.Set("AWS_ENDPOINT_URL", proxy.Endpoint);
        await new MotoScene(scene.Cli.Aws).LifecycleHookAsync(CliScene.Group, Hook, heartbeatTimeout: 30);
        string doomed = scene.Before.Instances.Select(i => i.InstanceId).Order(StringComparer.Ordinal).First();
        string volumeId = await scene.DataVolumeOfAsync(doomed);
        proxy.LifecycleActions.Begin(CliScene.Group, Hook, doomed, Token, TimeSpan.FromSeconds(30));
        LocalFunctionHost host = scene.NewHost();
        string warning = EventOrderScene.WarningJson($"eo-warning-{order}", doomed, DateTimeOffset.UtcNow.AddSeconds(120));
        string lifecycle = TriggerEventJson.Lifecycle($"eo-hook-{order}", CliScene.Group, Hook, Token, doomed);
        var violations = new List<string>();
        var trace = new StringBuilder();

        foreach (char delivery in new[] { order[0], order[1], order[0], order[1] })
        {
            string label = delivery == 'L' ? "lifecycle action" : "warning";
            trace.Append(label).Append(": ").AppendLine(await EventOrderScene.DispatchAsync(host, delivery == 'L' ? lifecycle : warning, label));
            violations.AddRange(await scene.SafetyViolationsAsync(volumeId, $"after {label}"));
        }

        // AWS's part: the completed action lets Auto Scaling terminate the instance; EC2 reports it (twice), then the sweep.
        violations.AddRange(CompletionViolations(proxy, "before the termination"));
        await scene.ReclaimAsync(doomed);
        string terminated = EventOrderScene.StateChangeJson($"eo-terminated-{order}", doomed, "terminated");
        trace.Append("terminated: ").AppendLine(await EventOrderScene.DispatchAsync(host, terminated, "terminated"));
        trace.Append("terminated again: ").AppendLine(await EventOrderScene.DispatchAsync(host, terminated, "terminated again"));
        trace.Append("sweep: ").AppendLine(await EventOrderScene.DispatchAsync(host, EventOrderScene.SweepJson($"eo-sweep-{order}"), "sweep"));
        violations.AddRange(await scene.SafetyViolationsAsync(volumeId, "after the sweep"));
        violations.AddRange(CompletionViolations(proxy, "at the end"));

        // The trigger that came first owns the hand-over: a scale-in gets no successor, a warning's replace runs once
        // (and fails at the detach Auto Scaling refuses for an instance in Terminating:Wait).
        InterruptionRecord? record = await scene.RecordAsync(doomed);
        HandoverTrigger expected = order[0] == 'L' ? HandoverTrigger.LifecycleHook : HandoverTrigger.SpotWarning;
        if (record?.Trigger != expected)
        {
            violations.Add($"hand-over opened by {record?.Trigger.ToString() ?? "nothing"}, expected {expected}");
        }

        int replaceRuns = Runs(scene.Logs(), "replace", doomed);
        if (replaceRuns != (order[0] == 'L' ? 0 : 1))
        {
            violations.Add($"replace of {doomed} ran {replaceRuns} times");
        }

        violations.AddRange(await NoSuccessorLaunchedAsync(scene, doomed));
        int desired = await scene.DesiredCapacityAsync();
        if (desired != scene.Before.DesiredCapacity)
        {
            violations.Add($"desired capacity {scene.Before.DesiredCapacity} -> {desired}");
        }

        Report(scene, trace, violations, $"order {order}");
    }

    [Theory]
    [InlineData("HW")]
    [InlineData("WH")]
    public async Task HealthRetirementAndSpotWarning_EitherOrderEachTwice_OneHandOverVolumeOnTheOneSuccessor(string order)
    {
        using EventOrderScene scene = await EventOrderScene.CreateAsync(moto);
        string doomed = scene.Before.Instances.Select(i => i.InstanceId).Order(StringComparer.Ordinal).First();
        string volumeId = await scene.DataVolumeOfAsync(doomed);
        LocalFunctionHost host = scene.NewHost();
        var events = new Dictionary<char, (string Label, string Json)>
        {
            ['H'] = ("retirement", TriggerEventJson.Retirement($"eo-health-{order}", doomed, DateTimeOffset.UtcNow.AddDays(14))),
            ['W'] = ("warning", EventOrderScene.WarningJson($"eo-warning-{order}", doomed, DateTimeOffset.UtcNow.AddSeconds(120))),
        };
        var violations = new List<string>();
        var trace = new StringBuilder();
        var statuses = new List<string>();
        foreach (char delivery in new[] { order[0], order[1], order[0], order[1] })
        {
            (string label, string json) = events[delivery];
            statuses.Add(await EventOrderScene.DispatchAsync(host, json, label));
            trace.Append(label).Append(": ").AppendLine(statuses[^1]);
            violations.AddRange(await scene.SafetyViolationsAsync(volumeId, $"after {label}"));
        }

        violations.AddRange(OnlyTheFirstStarted(statuses));
        // AWS's part: the Spot reclaim comes first (the retirement is two weeks away), then the group's launch of the successor.
        await scene.ReclaimAsync(doomed);
        await FinishAsync(scene, host, doomed, order, trace);
        violations.AddRange(await EndViolationsAsync(scene, doomed, volumeId, order[0] == 'H' ? HandoverTrigger.HealthScheduledChange : HandoverTrigger.SpotWarning));
        Report(scene, trace, violations, $"order {order}");
    }

    [Fact]
    public async Task ReservationWarningThenShuttingDown_EachTwice_OneHandOverVolumeOnTheOneSuccessor()
    {
        using EventOrderScene scene = await EventOrderScene.CreateAsync(moto);
        string doomed = scene.Before.Instances.Select(i => i.InstanceId).Order(StringComparer.Ordinal).First();
        string volumeId = await scene.DataVolumeOfAsync(doomed);
        LocalFunctionHost host = scene.NewHost();
        string reservation = TriggerEventJson.Reservation("eo-reservation", doomed, DateTimeOffset.UtcNow.AddSeconds(120));
        string shuttingDown = EventOrderScene.StateChangeJson("eo-shutting-down", doomed, "shutting-down");
        var violations = new List<string>();
        var trace = new StringBuilder();
        var statuses = new List<string>();
        bool reclaimed = false;
        foreach (char delivery in "RSRS")
        {
            if (delivery == 'R')
            {
                statuses.Add(await EventOrderScene.DispatchAsync(host, reservation, "reservation warning"));
                trace.Append("reservation warning: ").AppendLine(statuses[^1]);
            }
            else
            {
                if (!reclaimed)
                {
                    // AWS takes the reservation's instance back once the warning was handled.
                    await scene.ReclaimAsync(doomed);
                    reclaimed = true;
                }

                string status = await EventOrderScene.DispatchAsync(host, shuttingDown, "shutting-down");
                trace.Append("shutting-down: ").AppendLine(status);
                if (status == "Started")
                {
                    violations.Add("the shutting-down state change opened a second (unwarned) hand-over of an instance already handed over");
                }
            }

            violations.AddRange(await scene.SafetyViolationsAsync(volumeId, $"after {(delivery == 'R' ? "reservation warning" : "shutting-down")}"));
        }

        violations.AddRange(OnlyTheFirstStarted(statuses));
        await FinishAsync(scene, host, doomed, "RS", trace);
        violations.AddRange(await EndViolationsAsync(scene, doomed, volumeId, HandoverTrigger.ReservationWarning));
        Report(scene, trace, violations, "reservation warning, shutting-down");
    }

    /// <summary>What EventBridge delivers after the reclaim: the terminated state change, the group's launch of the successor (each twice), the sweep.</summary>
    private static async Task FinishAsync(EventOrderScene scene, LocalFunctionHost host, string doomed, string order, StringBuilder trace)
    {
        string terminated = EventOrderScene.StateChangeJson($"eo-terminated-{order}", doomed, "terminated");
        string? successor = (await scene.RecordAsync(doomed))?.SuccessorInstanceId;
        string? launch = successor is null ? null : EventOrderScene.LaunchJson($"eo-launch-{order}", successor);
        foreach ((string label, string? json) in new[] { ("terminated", terminated), ("launch", launch), ("terminated again", terminated), ("launch again", launch) })
        {
            if (json is not null)
            {
                trace.Append(label).Append(": ").AppendLine(await EventOrderScene.DispatchAsync(host, json, label));
            }
        }

        trace.Append("sweep: ").AppendLine(await EventOrderScene.DispatchAsync(host, EventOrderScene.SweepJson($"eo-sweep-{order}"), "sweep"));
    }

    /// <summary>One hand-over, opened by <paramref name="trigger"/>; one successor holds the volume; the group's size where it began.</summary>
    private static async Task<List<string>> EndViolationsAsync(EventOrderScene scene, string doomed, string volumeId, HandoverTrigger trigger)
    {
        List<string> violations = await scene.SafetyViolationsAsync(volumeId, "after the sweep");
        violations.AddRange(await scene.EndViolationsAsync(doomed, volumeId));
        InterruptionRecord? record = await scene.RecordAsync(doomed);
        if (record is not null && record.Trigger != trigger)
        {
            violations.Add($"hand-over opened by {record.Trigger}, expected {trigger}");
        }

        List<string> successors = await scene.NewLiveInstancesAsync();
        if (successors.Count != 1)
        {
            violations.Add($"{successors.Count} new instances for one hand-over: {string.Join(", ", successors)}");
        }

        int desired = await scene.DesiredCapacityAsync();
        if (desired != scene.Before.DesiredCapacity)
        {
            violations.Add($"desired capacity {scene.Before.DesiredCapacity} -> {desired}");
        }

        return violations;
    }

    /// <summary>The first opening event starts the hand-over; every later one, of either trigger, starts nothing.</summary>
    private static List<string> OnlyTheFirstStarted(List<string> statuses) =>
        statuses[0] == "Started" && statuses.Skip(1).All(s => s != "Started")
            ? []
            : [$"opening events answered {string.Join(", ", statuses)} (expected Started, then never Started again)"];

    /// <summary>The one completion Auto Scaling must see: accepted, CONTINUE, this action's token; none refused.</summary>
    private static List<string> CompletionViolations(AwsFaultProxy proxy, string when)
    {
        var violations = new List<string>();
        List<EmulatedLifecycleCall> completions = proxy.LifecycleActions.Calls.Where(c => c.Action == "CompleteLifecycleAction").ToList();
        if (completions.Count != 1 || !completions[0].Accepted || completions[0].Result != "CONTINUE" || completions[0].Token != Token)
        {
            violations.Add($"{when}: CompleteLifecycleAction calls [{string.Join(", ", completions.Select(c => $"{c.Result} {c.Token} accepted={c.Accepted}"))}], expected one accepted CONTINUE");
        }

        if (proxy.LifecycleActions.Calls.Any(c => c.Action == "RecordLifecycleActionHeartbeat" && !c.Accepted))
        {
            violations.Add($"{when}: a heartbeat was refused (sent for an action already ended)");
        }

        return violations;
    }

    /// <summary>No live instance MaxGroup launched for <paramref name="doomed"/> (tagged spotmax:replaces with its id).</summary>
    private static async Task<List<string>> NoSuccessorLaunchedAsync(EventOrderScene scene, string doomed)
    {
        DescribeInstancesResponse all = await scene.Cli.Aws.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest());
        List<string> launched = all.Reservations.SelectMany(r => r.Instances)
            .Where(i => i.State.Name != "terminated" && i.Tags?.Any(t => t.Key == SuccessorTags.Replaces && t.Value == doomed) == true)
            .Select(i => i.InstanceId)
            .ToList();
        return launched.Count == 0 ? [] : [$"successors launched for a scale-in of {doomed}: {string.Join(", ", launched)}"];
    }

    /// <summary>How often a step ran: the runner logs one "ended" per run.</summary>
    private static int Runs(string logs, string step, string instanceId) =>
        Regex.Matches(logs, Regex.Escape($"\"message\":\"Step {step} for {instanceId} ended ")).Count;

    private void Report(EventOrderScene scene, StringBuilder trace, List<string> violations, string what)
    {
        output.WriteLine(trace.ToString());
        if (violations.Count > 0)
        {
            output.WriteLine(scene.Logs());
        }

        Assert.True(violations.Count == 0, $"{what}:\n{string.Join("\n", violations)}");
    }
}
