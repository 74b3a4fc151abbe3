using System.Text.Json.Nodes;

namespace MaxGroup.Integration.Tests.Deployment;

/// <summary>
/// The rules' event patterns, taken from the transformed template, run through moto's EventBridge pattern matcher
/// (tools/sam/check_patterns.py, one SQS queue per rule) with the sample events in events/ and variants of them.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class EventPatternTests(MotoFixture moto)
{
    private const string Warning = "DispatcherFunctionSpotInterruptionWarning";
    /// <summary>The replace function's rule for the same event, beside the dispatcher's (issue 24).</summary>
    private const string ReplaceWarning = "ReplaceFunctionSpotInterruptionWarning";
    private const string StateChange = "DispatcherFunctionInstanceStateChange";
    private const string Launch = "DispatcherFunctionGroupLaunchSuccessful";
    private const string LaunchFailed = "DispatcherFunctionGroupLaunchUnsuccessful";
    private const string Rebalance = "DispatcherFunctionRebalanceRecommendation";
    private const string LifecycleHook = "DispatcherFunctionTerminateLifecycleAction";
    private const string ReservationWarning = "DispatcherFunctionCapacityReservationInterruptionWarning";
    private const string Health = "DispatcherFunctionHealthScheduledChange";
    private const string Unwarned = "DispatcherFunctionUnwarnedStateChange";

    [Fact]
    public async Task Patterns_SampleEventsAndNearMisses_RouteOnlyWhereIntended()
    {
        await moto.ResetAsync();
        string eventsDirectory = Directory.CreateTempSubdirectory("maxgroup-events-").FullName;
        try
        {
            Dictionary<string, string[]> expected = await WriteEventsAsync(eventsDirectory);

            string template = await TransformedTemplate.PathAsync();
            ToolResult result = await ToolProcess.RunAsync(
                "python3",
                [RepositoryPaths.Tool("check_patterns.py"), "--endpoint", moto.Endpoint, "--template", template, "--events", eventsDirectory],
                TimeSpan.FromMinutes(3));
            Assert.True(result.ExitCode == 0, result.ToString());

            using JsonDocument report = JsonDocument.Parse(result.StandardOutput);
            Assert.Equal(
                [ReservationWarning, Launch, LaunchFailed, Health, StateChange, Rebalance, Warning, LifecycleHook, Unwarned, ReplaceWarning],
                report.RootElement.GetProperty("rules").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            var routes = report.RootElement.GetProperty("routes").EnumerateObject()
                .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(r => r.GetString()!).ToArray());
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), routes.Keys.Order(StringComparer.Ordinal));
            Assert.All(expected, pair => Assert.True(
                pair.Value.SequenceEqual(routes[pair.Key]),
                $"{pair.Key}: expected [{string.Join(", ", pair.Value)}], routed to [{string.Join(", ", routes[pair.Key])}]"));
        }
        finally
        {
            Directory.Delete(eventsDirectory, recursive: true);
        }
    }

    /// <summary>Writes each sample and variant into <paramref name="directory"/>; returns file name → rules that must match.</summary>
    private static async Task<Dictionary<string, string[]>> WriteEventsAsync(string directory)
    {
        string samples = Path.Combine(RepositoryPaths.Root, "events");
        JsonObject warning = await LoadAsync(samples, "ec2-spot-interruption-warning.json");
        JsonObject stateChange = await LoadAsync(samples, "ec2-instance-state-change-terminated.json");
        JsonObject launch = await LoadAsync(samples, "autoscaling-instance-launch-successful.json");
        JsonObject launchFailed = await LoadAsync(samples, "autoscaling-instance-launch-unsuccessful.json");
        JsonObject rebalance = await LoadAsync(samples, "ec2-instance-rebalance-recommendation.json");
        JsonObject lifecycle = await LoadAsync(samples, "autoscaling-instance-terminate-lifecycle-action.json");
        JsonObject reservation = await LoadAsync(samples, "ec2-capacity-reservation-interruption-warning.json");
        JsonObject health = await LoadAsync(samples, "aws-health-ec2-instance-retirement-scheduled.json");
        JsonObject shuttingDown = await LoadAsync(samples, "ec2-instance-state-change-shutting-down.json");

        var cases = new Dictionary<string, (JsonObject Event, string[] Rules)>
        {
            ["warning-terminate"] = (warning, [Warning, ReplaceWarning]),
            ["warning-stop"] = (With(warning, e => e["detail"]!["instance-action"] = "stop"), [Warning, ReplaceWarning]),
            ["warning-hibernate"] = (With(warning, e => e["detail"]!["instance-action"] = "hibernate"), [Warning, ReplaceWarning]),
            ["state-terminated"] = (stateChange, [StateChange]),
            ["state-stopped"] = (With(stateChange, e => e["detail"]!["state"] = "stopped"), [StateChange]),
            ["launch-successful"] = (launch, [Launch]),
            ["launch-unsuccessful"] = (launchFailed, [LaunchFailed]),
            ["miss-launch-unsuccessful-from-ec2"] = (With(launchFailed, e => e["source"] = "aws.ec2"), []),
            ["rebalance"] = (rebalance, [Rebalance]),
            ["lifecycle-terminate"] = (lifecycle, [LifecycleHook]),
            ["miss-lifecycle-launching"] = (With(lifecycle, e =>
            {
                e["detail-type"] = "EC2 Instance-launch Lifecycle Action";
                e["detail"]!["LifecycleTransition"] = "autoscaling:EC2_INSTANCE_LAUNCHING";
            }), []),
            ["miss-lifecycle-test-notification"] = (With(lifecycle, e => e["detail"]!["LifecycleTransition"] = "autoscaling:TEST_NOTIFICATION"), []),
            ["miss-lifecycle-from-ec2"] = (With(lifecycle, e => e["source"] = "aws.ec2"), []),
            ["reservation-warning"] = (reservation, [ReservationWarning]),
            ["miss-reservation-reclamation-completed"] = (With(reservation, e => e["detail-type"] = "EC2 Interruptible Capacity Reservation Allocation Reclamation Completed"), []),
            ["miss-reservation-from-autoscaling"] = (With(reservation, e => e["source"] = "aws.autoscaling"), []),

            // Near misses: the same shapes with one field off must reach no rule.
            ["miss-state-running"] = (With(stateChange, e => e["detail"]!["state"] = "running"), []),
            ["unwarned-shutting-down"] = (shuttingDown, [Unwarned]),
            ["unwarned-stopping"] = (With(shuttingDown, e => e["detail"]!["state"] = "stopping"), [Unwarned]),
            ["miss-unwarned-pending"] = (With(shuttingDown, e => e["detail"]!["state"] = "pending"), []),
            ["health-retirement"] = (health, [Health]),
            ["health-persistent-retirement"] = (With(health, e => e["detail"]!["eventTypeCode"] = "AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED"), [Health]),
            ["health-stop-open"] = (With(health, e =>
            {
                e["detail"]!["eventTypeCode"] = "AWS_EC2_INSTANCE_STOP_SCHEDULED";
                e["detail"]!["statusCode"] = "open";
            }), [Health]),
            ["health-reboot"] = (With(health, e => e["detail"]!["eventTypeCode"] = "AWS_EC2_INSTANCE_REBOOT_MAINTENANCE_SCHEDULED"), [Health]),
            ["miss-health-closed"] = (With(health, e => e["detail"]!["statusCode"] = "closed"), []),
            ["miss-health-issue"] = (With(health, e => e["detail"]!["eventTypeCategory"] = "issue"), []),
            ["miss-health-network-maintenance"] = (With(health, e => e["detail"]!["eventTypeCode"] = "AWS_EC2_INSTANCE_NETWORK_MAINTENANCE_SCHEDULED"), []),
            ["miss-health-other-service"] = (With(health, e => e["detail"]!["service"] = "RDS"), []),
            ["miss-health-abuse"] = (With(health, e => e["detail-type"] = "AWS Health Abuse Event"), []),
            ["miss-health-from-ec2"] = (With(health, e => e["source"] = "aws.ec2"), []),
            ["miss-warning-other-source"] = (With(warning, e => e["source"] = "maxgroup.test"), []),
            ["miss-warning-other-detail-type"] = (With(warning, e => e["detail-type"] = "EC2 Spot Instance Request Fulfillment"), []),
            ["miss-state-change-from-autoscaling"] = (With(stateChange, e => e["source"] = "aws.autoscaling"), []),
            ["miss-terminate-successful"] = (With(launch, e => e["detail-type"] = "EC2 Instance Terminate Successful"), []),
            ["miss-launch-from-ec2"] = (With(launch, e => e["source"] = "aws.ec2"), []),
            ["miss-scheduled-event"] = (With(launch, e =>
            {
                e["source"] = "aws.events";
                e["detail-type"] = "Scheduled Event";
                e["detail"] = new JsonObject();
            }), []),
        };

        foreach ((string name, (JsonObject item, _)) in cases)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, $"{name}.json"), item.ToJsonString());
        }

        return cases.ToDictionary(pair => $"{pair.Key}.json", pair => pair.Value.Rules);
    }

    private static async Task<JsonObject> LoadAsync(string directory, string name) =>
        JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(directory, name)))!.AsObject();

    private static JsonObject With(JsonObject sample, Action<JsonObject> change)
    {
        JsonObject copy = sample.DeepClone().AsObject();
        change(copy);
        return copy;
    }
}
