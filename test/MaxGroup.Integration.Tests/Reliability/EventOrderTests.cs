namespace MaxGroup.Integration.Tests.Reliability;

/// <summary>
/// One interruption's three events (W = the Spot warning, S = the interrupted instance's state change to terminated,
/// or to stopped for a stop warning, L = "EC2 Instance Launch Successful") in every order, each delivered twice,
/// interleaved (e1 e2 e1' e3 e2' e3'), then the scheduled sweep, through the real dispatcher and volume triggers on
/// moto. Every order for terminate; three orders (one with each event first) for stop.
/// <para>
/// The world stays physically possible: AWS reclaims the instance only after the warning was handled (it warns two
/// minutes ahead); a state change delivered before that is early noise whose state is not yet true, and must
/// not be trusted. A launch delivered before the warning cannot be the successor (nothing has asked for one yet): it
/// is the launch of an unrelated member of the group. Once the warning has run, L is the launch of the successor
/// the group started for the detach.
/// </para>
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class EventOrderTests(MotoFixture moto, ITestOutputHelper output)
{
    [Theory]
    [InlineData("WSL", "terminate")]
    [InlineData("WLS", "terminate")]
    [InlineData("SWL", "terminate")]
    [InlineData("SLW", "terminate")]
    [InlineData("LWS", "terminate")]
    [InlineData("LSW", "terminate")]
    [InlineData("WSL", "stop")]
    [InlineData("SLW", "stop")]
    [InlineData("LWS", "stop")]
    public async Task Interruption_EventsInAnyOrderEachTwice_VolumeEndsOnTheOneSuccessor(string order, string action)
    {
        string state = action == "stop" ? "stopped" : "terminated";
        using EventOrderScene scene = await EventOrderScene.CreateAsync(moto);
        string[] members = scene.Before.Instances.Select(i => i.InstanceId).Order(StringComparer.Ordinal).ToArray();
        string doomed = members[0];
        string unrelated = members[1];
        string volumeId = await scene.DataVolumeOfAsync(doomed);
        LocalFunctionHost host = scene.NewHost();
        string warning = EventOrderScene.WarningJson($"eo-warning-{order}-{action}", doomed, DateTimeOffset.UtcNow.AddSeconds(120), action);
        string stateChange = EventOrderScene.StateChangeJson($"eo-state-{order}-{action}", doomed, state);
        string? launch = null;
        bool warned = false;
        bool reclaimed = false;
        var warningStatuses = new List<string>();
        var violations = new List<string>();
        var trace = new StringBuilder();

        foreach (char delivery in Interleave(order))
        {
            string label = delivery switch { 'W' => "warning", 'S' => "state change", _ => "launch" };
            string status;
            switch (delivery)
            {
                case 'W':
                    status = await EventOrderScene.DispatchAsync(host, warning, label);
                    warningStatuses.Add(status);
                    warned = true;
                    break;
                case 'S':
                    if (warned && !reclaimed)
                    {
                        await scene.ReclaimAsync(doomed, action);
                        reclaimed = true;
                    }

                    status = await EventOrderScene.DispatchAsync(host, stateChange, label);
                    break;
                default:
                    // Fixed at the first delivery: the duplicate is the same event.
                    launch ??= EventOrderScene.LaunchJson($"eo-launch-{order}-{action}", warned ? await SuccessorAsync(scene, doomed) : unrelated);
                    status = await EventOrderScene.DispatchAsync(host, launch, label);
                    break;
            }

            trace.Append(label).Append(": ").AppendLine(status);
            violations.AddRange(await scene.SafetyViolationsAsync(volumeId, $"after {label}"));
        }

        if (!reclaimed)
        {
            // Every event came before the reclaim could (the state change was early): AWS reclaims now.
            await scene.ReclaimAsync(doomed, action);
        }

        trace.Append("sweep: ").AppendLine(await EventOrderScene.DispatchAsync(host, EventOrderScene.SweepJson($"eo-sweep-{order}-{action}"), "sweep"));
        violations.AddRange(await scene.SafetyViolationsAsync(volumeId, "after the sweep"));
        violations.AddRange(await scene.EndViolationsAsync(doomed, volumeId));
        List<string> successors = await scene.NewLiveInstancesAsync();
        if (successors.Count != 1)
        {
            violations.Add($"{successors.Count} new instances for one interruption: {string.Join(", ", successors)}");
        }

        int desired = await scene.DesiredCapacityAsync();
        if (desired != scene.Before.DesiredCapacity)
        {
            violations.Add($"desired capacity {scene.Before.DesiredCapacity} -> {desired}");
        }

        if (!warningStatuses.SequenceEqual(["Started", "Duplicate"]))
        {
            violations.Add($"warning deliveries answered {string.Join(", ", warningStatuses)} (expected Started, Duplicate)");
        }

        output.WriteLine(trace.ToString());
        if (violations.Count > 0)
        {
            output.WriteLine(scene.Logs());
        }

        Assert.True(violations.Count == 0, $"order {order} ({action}):\n{string.Join("\n", violations)}");
    }

    /// <summary>e1 e2 e1' e3 e2' e3': every event twice, each duplicate after the next event's first delivery.</summary>
    private static IEnumerable<char> Interleave(string order) => [order[0], order[1], order[0], order[2], order[1], order[2]];

    private static async Task<string> SuccessorAsync(EventOrderScene scene, string doomed)
    {
        InterruptionRecord? record = await scene.RecordAsync(doomed);
        return record?.SuccessorInstanceId ?? throw new Xunit.Sdk.XunitException($"the warning was handled but no successor of {doomed} is recorded");
    }
}
