using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.EC2.Model;
using MaxGroup.Aws;
using MaxGroup.Aws.AutoScaling;
using MaxGroup.Core.Model;
using MaxGroup.Simulators.Aws;
using Spectre.Console;

namespace MaxGroup.Cli.Demo;

/// <summary>
/// `--scenario scale-in`: the group gets the terminate lifecycle hook docs/deploy.md tells users to add, and the demo
/// plays Auto Scaling's part of a scale-in: it holds one instance in Terminating:Wait (a lifecycle action in the
/// proxy's <see cref="LifecycleActionEmulator"/>, because moto 5.2.1 has no Terminating:Wait and does not implement
/// CompleteLifecycleAction), sends the `EC2 Instance-terminate Lifecycle Action` event as Auto Scaling shapes it, and
/// once the action is completed (or its heartbeat timeout passes) terminates the instance with decrement, as Auto
/// Scaling then does. The checks read the emulator's calls, the simulators' state and the emulator's EC2 and Auto
/// Scaling: hook completed once with CONTINUE, node drained, services deregistered, volume kept, nothing launched,
/// desired capacity one lower; the same event delivered again changes nothing.
/// </summary>
public sealed class ScaleInDemo(DemoRunner runner, IAnsiConsole console, LifecycleActionEmulator lifecycle, TimeProvider time)
{
    /// <summary>The hook's name and settings, as docs/deploy.md's put-lifecycle-hook snippet (30 s: AWS's minimum heartbeat timeout).</summary>
    public const string HookName = "maxgroup-drain";
    public const int HeartbeatTimeoutSeconds = 30;

    public async Task<IReadOnlyList<string>> RunAsync(DemoStage stage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stage);
        AwsClientFactory aws = stage.Aws;
        await aws.AutoScaling.CallAsync(
            AutoScalingClient.NewQuery("PutLifecycleHook")
                .Add("AutoScalingGroupName", DemoScene.GroupName)
                .Add("LifecycleHookName", HookName)
                .Add("LifecycleTransition", "autoscaling:EC2_INSTANCE_TERMINATING")
                .Add("HeartbeatTimeout", HeartbeatTimeoutSeconds)
                .Add("DefaultResult", "CONTINUE"),
            cancellationToken);
        IReadOnlyList<LifecycleHookInfo> hooks = await aws.AutoScaling.DescribeLifecycleHooksAsync(DemoScene.GroupName, cancellationToken);
        runner.Say("scene", $"terminate lifecycle hook on {DemoScene.GroupName}, put as docs/deploy.md says: {string.Join(", ", hooks.Select(h => $"{h.HookName} ({h.LifecycleTransition}, heartbeat timeout {h.HeartbeatTimeout} s, default {h.DefaultResult})"))}");

        string instanceId = stage.InstanceId;
        int desiredAfter = stage.Before.DesiredCapacity - 1;
        string token = Guid.NewGuid().ToString();
        DateTimeOffset began = time.GetUtcNow();
        lifecycle.Begin(DemoScene.GroupName, HookName, instanceId, token, TimeSpan.FromSeconds(HeartbeatTimeoutSeconds));
        runner.Say("aws", $"scale-in of {DemoScene.GroupName}: desired capacity {stage.Before.DesiredCapacity} -> {desiredAfter}; {instanceId} enters Terminating:Wait on {HookName} (held by the demo's proxy with Auto Scaling's semantics: moto has no Terminating:Wait)");
        string lifecycleEvent = LifecycleEventJson("demo-lifecycle-0001", instanceId, token, stage.Before.Arn, began);
        runner.Say("aws", $"EC2 Instance-terminate Lifecycle Action for {instanceId}, token {token}");

        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task watcher = runner.WatchLedgerAsync(stage.Host.Services.Ledger, instanceId, began, watching.Token);
        await runner.InvokeAsync(stage.Host, "dispatcher", lifecycleEvent, "lifecycle action", cancellationToken);

        using var hold = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        hold.CancelAfter(TimeSpan.FromSeconds(HeartbeatTimeoutSeconds + 5));
        string? result = await lifecycle.EndedAsync(instanceId, hold.Token);
        runner.Say("aws", result is null
            ? $"the heartbeat timeout passed with no completion: Auto Scaling applies the default result and terminates {instanceId}"
            : $"lifecycle action completed with {result}: Auto Scaling terminates {instanceId} (TerminateInstanceInAutoScalingGroup with decrement on moto)");
        await aws.AutoScaling.TerminateInstanceInAutoScalingGroupAsync(instanceId, shouldDecrementDesiredCapacity: true, cancellationToken);
        int terminatedAtRequest = stage.Peers.KubernetesRequests;
        await runner.InvokeAsync(stage.Host, "dispatcher", DemoScene.StateChangeJson("demo-state-0001", instanceId, "terminated", time.GetUtcNow()), "state-change", cancellationToken);

        int callsBefore = lifecycle.Calls.Count;
        int kubeRequestsBefore = stage.Peers.KubernetesRequests;
        runner.Say("aws", "the same lifecycle event is delivered again, then once more under a new id (EventBridge delivers at least once)");
        await runner.InvokeAsync(stage.Host, "dispatcher", lifecycleEvent, "duplicate", cancellationToken);
        await runner.InvokeAsync(stage.Host, "dispatcher", LifecycleEventJson("demo-lifecycle-0002", instanceId, token, stage.Before.Arn, began), "redelivery", cancellationToken);
        bool duplicatesInert = lifecycle.Calls.Count == callsBefore && stage.Peers.KubernetesRequests == kubeRequestsBefore;

        await Task.Delay(TimeSpan.FromMilliseconds(800), time, cancellationToken);
        await watching.CancelAsync();
        await watcher.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        IReadOnlyList<string> published = await stage.Events.ReceiveAsync(TimeSpan.FromSeconds(10), time, cancellationToken);
        runner.Say("events", $"on the queue {stage.Events.QueueUrl}: {(published.Count == 0 ? "nothing" : string.Join(", ", published))}");

        InterruptionRecord? record = await stage.Host.Services.Ledger.GetAsync(instanceId, cancellationToken);
        AutoScalingGroupInfo after = await DemoScene.DescribeGroupAsync(aws, cancellationToken);
        var checks = new DemoCheckTable();
        IReadOnlyList<EmulatedLifecycleCall> calls = lifecycle.Calls;
        List<EmulatedLifecycleCall> completions = calls.Where(c => c.Action == "CompleteLifecycleAction").ToList();
        int heartbeats = calls.Count(c => c.Action == "RecordLifecycleActionHeartbeat" && c.Accepted);
        int refused = calls.Count(c => !c.Accepted);
        bool completedOnce = completions.Count == 1 && completions[0] is { Accepted: true, Result: "CONTINUE" } && completions[0].Token == token;
        checks.Check("hook completed exactly once with CONTINUE", completedOnce && refused == 0,
            completions.Count == 0
                ? $"no CompleteLifecycleAction{(lifecycle.TimedOut(instanceId) ? "; the action timed out" : "")}"
                : string.Create(CultureInfo.InvariantCulture, $"{string.Join(", ", completions.Select(c => $"{c.Result} {(c.Accepted ? "accepted" : "refused")} at +{(c.At - began).TotalSeconds:0.0}s"))}; {heartbeats} heartbeat(s), {refused} call(s) refused"));
        checks.Check("instance left the group", after.Instances.All(i => i.InstanceId != instanceId), instanceId);
        List<string> newcomers = after.Instances.Where(i => stage.Before.Instances.All(b => b.InstanceId != i.InstanceId)).Select(i => i.InstanceId).ToList();
        List<string> running = await RunningInstancesAsync(aws, cancellationToken);
        checks.Check("no successor launched", newcomers.Count == 0 && record?.SuccessorInstanceId is null && running.Count == desiredAfter,
            $"group members {string.Join(", ", after.Instances.Select(i => i.InstanceId))}; {running.Count} running in EC2{(newcomers.Count > 0 ? $"; new: {string.Join(", ", newcomers)}" : "")}");
        checks.Check("desired capacity as the scale-in set it", after.DesiredCapacity == desiredAfter, $"{stage.Before.DesiredCapacity} -> {after.DesiredCapacity}");
        Volume? volume = (await aws.Ec2.DescribeVolumesAsync(new DescribeVolumesRequest(), cancellationToken)).Volumes.FirstOrDefault(v => v.VolumeId == stage.VolumeId);
        checks.Check("data volume kept", volume is not null && volume.State != VolumeState.Deleting && volume.State != VolumeState.Deleted,
            volume is null ? $"{stage.VolumeId} is gone" : $"{DemoRecordView.Where(volume)}{(volume.Attachments?.Count > 0 ? "" : $": left for the group's next instance in {stage.Zone}")}");
        checks.Check("duplicate lifecycle events inert", duplicatesInert,
            $"after the two redeliveries: {lifecycle.Calls.Count - callsBefore} lifecycle call(s), {stage.Peers.KubernetesRequests - kubeRequestsBefore} Kubernetes request(s); ledger event ids {string.Join(", ", record?.EventIds ?? [])}");
        checks.Check("hand-over events reached the queue", published.FirstOrDefault() == "MaxGroup Hand-over Started" && published.Contains("MaxGroup Hand-over Completed"),
            published.Count == 0 ? "none" : string.Join(", ", published));
        foreach (DemoCheck check in stage.Peers.Checks(terminatedAtRequest))
        {
            checks.Check(check);
        }

        checks.Write(console);
        if (record is not null)
        {
            DemoRecordView.Write(console, record, began, "lifecycle action");
        }

        return checks.Failed;
    }

    /// <summary>The event Auto Scaling sends to EventBridge when an instance enters Terminating:Wait (events/autoscaling-instance-terminate-lifecycle-action.json).</summary>
    public static string LifecycleEventJson(string eventId, string instanceId, string token, string? groupArn, DateTimeOffset time) => new JsonObject
    {
        ["version"] = "0",
        ["id"] = eventId,
        ["detail-type"] = "EC2 Instance-terminate Lifecycle Action",
        ["source"] = "aws.autoscaling",
        ["account"] = "123456789012",
        ["time"] = time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ["region"] = "us-east-1",
        ["resources"] = new JsonArray(groupArn ?? $"arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/{DemoScene.GroupName}"),
        ["detail"] = new JsonObject
        {
            ["LifecycleActionToken"] = token,
            ["AutoScalingGroupName"] = DemoScene.GroupName,
            ["LifecycleHookName"] = HookName,
            ["EC2InstanceId"] = instanceId,
            ["LifecycleTransition"] = "autoscaling:EC2_INSTANCE_TERMINATING",
            ["Origin"] = "AutoScalingGroup",
            ["Destination"] = "EC2",
        },
    }.ToJsonString();

    private static async Task<List<string>> RunningInstancesAsync(AwsClientFactory aws, CancellationToken cancellationToken) =>
        (await aws.Ec2.DescribeInstancesAsync(
            new DescribeInstancesRequest { Filters = [new Filter("instance-state-name", ["pending", "running"])] }, cancellationToken))
        .Reservations.SelectMany(r => r.Instances).Select(i => i.InstanceId).ToList();
}
