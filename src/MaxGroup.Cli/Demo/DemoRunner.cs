using System.Globalization;
using Amazon.EC2;
using Amazon.EC2.Model;
using MaxGroup.Aws;
using MaxGroup.Cli.Commands;
using MaxGroup.Cli.Local;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Functions.Observability;
using MaxGroup.Functions.Runtime;
using MaxGroup.Functions.Wiring;
using Spectre.Console;

namespace MaxGroup.Cli.Demo;

/// <summary>
/// Plays one interruption end to end on the emulator: the warning goes through the dispatcher exactly as Lambda runs it
/// (in-process, remediation steps inline), the demo plays AWS's part (reclaims the instance at the deadline and sends
/// the state-change event), and the live timeline is read from the ledger as it is written. Ends with checks of the
/// invariants the product promises; any that fails makes the demo fail.
/// </summary>
/// <remarks>
/// With <c>html</c>, the hand-over's ledger record is also written as the `history --html` page. The scale-in and
/// retirement scenarios share the scene and peers, then play their own trigger (<see cref="ScaleInDemo"/>,
/// <see cref="RetirementDemo"/>); scale-in needs the proxy's <paramref name="lifecycle"/> actions.
/// </remarks>
public sealed class DemoRunner(IAnsiConsole console, DemoScenario scenario, TimeSpan reclaimIn, FileInfo? html = null, Simulators.Aws.LifecycleActionEmulator? lifecycle = null)
{
    private readonly TimeProvider _time = TimeProvider.System;

    /// <summary>The AWS behaviours the demo's proxy gives where moto lacks them, and their records (the proxy's own).</summary>
    public DemoEmulator Emulator { get; init; } = new(TimeProvider.System);

    /// <summary>Runs the scenario against the emulator at AWS_ENDPOINT_URL; returns the failed checks (empty = success).</summary>
    public async Task<IReadOnlyList<string>> RunAsync(LogSink logs, CancellationToken cancellationToken)
    {
        using var host = new LocalFunctionHost(new InvocationOptions { Inline = true }, logs, _time);
        AwsClientFactory aws = host.Services.Aws;

        Say("scene", $"VPC with subnets in {DemoScene.ZoneA} and {DemoScene.ZoneB}; launch template with a data volume at /dev/sdf; Spot group {DemoScene.GroupName} of 3; config at s3://{DemoScene.ConfigBucket}/groups/{DemoScene.GroupName}.json");
        DemoScene scene = await DemoScene.BuildAsync(aws, scenario, cancellationToken);
        DemoTraffic traffic = await DemoTraffic.AttachAsync(aws, scene, cancellationToken);
        Say("scene", DemoTraffic.Description);
        DemoEventRoute events = await DemoEventRoute.CreateAsync(aws, cancellationToken);
        Say("events", $"rule {DemoEventRoute.Name} on EventBridge's default bus sends every source=maxgroup event to the SQS queue {events.QueueUrl}");
        AutoScalingGroupInfo before = await DemoScene.DescribeGroupAsync(aws, cancellationToken);
        AutoScalingInstanceInfo doomed = before.Instances.OrderBy(i => i.AvailabilityZone, StringComparer.Ordinal).First();
        string zone = doomed.AvailabilityZone ?? DemoScene.ZoneA;
        Instance doomedInstance = await DescribeAsync(aws.Ec2, doomed.InstanceId, cancellationToken);
        string volumeId = doomedInstance.BlockDeviceMappings.Single(b => b.DeviceName == "/dev/sdf").Ebs.VolumeId;
        Say("scene", $"group has {before.Instances.Count} instances, desired {before.DesiredCapacity}; {doomed.InstanceId} in {zone} holds data volume {volumeId} at /dev/sdf");
        AutoScalingInstanceInfo neighbour = before.Instances.First(i => i.InstanceId != doomed.InstanceId);
        Instance neighbourInstance = await DescribeAsync(aws.Ec2, neighbour.InstanceId, cancellationToken);
        var doomedNode = new DemoInstance(doomed.InstanceId, zone, NodeName(doomedInstance));
        var neighbourNode = new DemoInstance(neighbour.InstanceId, neighbour.AvailabilityZone ?? DemoScene.ZoneB, NodeName(neighbourInstance));

        // No real cluster or agent is given: the drain and Consul steps talk to loopback simulators seeded with this instance.
        await using DemoPeers peers = await DemoPeers.StartAsync(doomedNode.NodeName.Split('.')[0]);
        peers.Seed(doomedNode, neighbourNode);
        await DemoScene.PutConfigAsync(aws, scenario, peers.ConfigFields(), cancellationToken);
        Say("drain", $"Kubernetes API simulator on {peers.KubeAddress} (no real cluster given); the group config sets k8s_endpoint and k8s_certificate_authority to it");
        Say("consul", $"Consul agent simulator on {peers.ConsulAddress} (no real agent given); consul_address 127.0.0.1:{{port}} stands in for {{private_ip}}:{{port}}");
        foreach (string line in peers.DescribeSeed())
        {
            Say("scene", line);
        }

        if (scenario is DemoScenario.ScaleIn or DemoScenario.Retirement)
        {
            var stage = new DemoStage(host, aws, peers, events, before, doomed.InstanceId, zone, volumeId);
            return scenario == DemoScenario.ScaleIn
                ? await new ScaleInDemo(this, console, lifecycle ?? throw new InvalidOperationException("the scale-in scenario needs the proxy's lifecycle actions"), _time).RunAsync(stage, cancellationToken)
                : await new RetirementDemo(this, console, _time).RunAsync(stage, cancellationToken);
        }

        if (scenario == DemoScenario.CrossAz)
        {
            await scene.NarrowToZoneBAsync(aws, cancellationToken);
            Say("scene", $"group narrowed to {DemoScene.ZoneB}: its replacement will land away from the volume");
        }

        if (scenario == DemoScenario.Capacity)
        {
            Emulator.Capacity.Dry(DemoCapacity.DryPools);
            Say("aws", DemoCapacity.Description);
        }

        DateTimeOffset reclaimAt = _time.GetUtcNow() + reclaimIn;
        DateTimeOffset warningTime = reclaimAt.AddSeconds(-120);
        string action = scenario == DemoScenario.Stop ? "stop" : "terminate";
        string warning = DemoScene.WarningJson("demo-warning-0001", doomed.InstanceId, zone, action, reclaimAt);
        Say("aws", $"EC2 Spot Instance Interruption Warning for {doomed.InstanceId} ({action}); reclaim at {reclaimAt:HH:mm:ss} (the warning is dated {120 - reclaimIn.TotalSeconds:0} s ago so the demo ends sooner)");

        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task watcher = WatchLedgerAsync(host.Services.Ledger, doomed.InstanceId, warningTime, watching.Token);
        await InvokeAsync(host, "dispatcher", warning, "warning", cancellationToken);
        if (scenario == DemoScenario.Duplicate)
        {
            Say("aws", "the same warning is delivered again (EventBridge and Lambda may deliver twice)");
            await InvokeAsync(host, "dispatcher", warning, "duplicate", cancellationToken);
        }

        TimeSpan untilReclaim = reclaimAt - _time.GetUtcNow();
        if (untilReclaim > TimeSpan.Zero)
        {
            Say("aws", $"waiting {untilReclaim.TotalSeconds:0} s for the reclaim time");
            await Task.Delay(untilReclaim, _time, cancellationToken);
        }

        string finalState = await ReclaimAsync(aws.Ec2, doomed.InstanceId, cancellationToken);
        Say("aws", $"{doomed.InstanceId} is {finalState}; EC2 Instance State-change Notification sent");
        int terminatedAtRequest = peers.KubernetesRequests;
        await InvokeAsync(host, "dispatcher", DemoScene.StateChangeJson("demo-state-0001", doomed.InstanceId, finalState, _time.GetUtcNow()), "state-change", cancellationToken);
        if (scenario == DemoScenario.CrossAz)
        {
            // A snapshot completes asynchronously; the scheduled sweep resumes the move, as it does every few minutes in AWS.
            Say("aws", "scheduled sweep (every 5 minutes in AWS)");
            await InvokeAsync(host, "dispatcher", SweepJson(), "sweep", cancellationToken);
        }

        await Task.Delay(TimeSpan.FromMilliseconds(800), _time, cancellationToken);
        await watching.CancelAsync();
        await watcher.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        IReadOnlyList<string> published = await events.ReceiveAsync(TimeSpan.FromSeconds(10), _time, cancellationToken);
        Say("events", $"on the queue {events.QueueUrl}: {(published.Count == 0 ? "nothing" : string.Join(", ", published))}");
        InterruptionRecord? record = await host.Services.Ledger.GetAsync(doomed.InstanceId, cancellationToken);
        if (html is not null && record is not null)
        {
            await File.WriteAllTextAsync(html.FullName, HistoryHtml.Render([record], "demo ledger table maxgroup-demo-ledger"), cancellationToken);
            Say("history", $"timeline written to {html.FullName}");
        }

        AutoScalingGroupInfo after = await DemoScene.DescribeGroupAsync(aws, cancellationToken);
        List<DemoCheck> more = [.. await traffic.ChecksAsync(aws, Emulator, doomed.InstanceId, record, peers.FirstEvictionAt, cancellationToken)];
        if (scenario == DemoScenario.Capacity)
        {
            more.AddRange(await DemoCapacity.ChecksAsync(aws, Emulator, record, record?.SuccessorInstanceId, cancellationToken));
        }

        return await SummarizeAsync(aws, before, after, doomed.InstanceId, volumeId, record, peers, finalState == "terminated" ? terminatedAtRequest : null, published, more, cancellationToken);
    }

    internal async Task InvokeAsync(LocalFunctionHost host, string function, string input, string label, CancellationToken cancellationToken)
    {
        InvocationResult result = await host.InvokeAsync(function, input, cancellationToken);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{function} failed on the {label}: {result.Error.ErrorMessage}");
        }

        Say(function, $"{label}: {Brief(result.Body ?? "")}");
    }

    internal async Task WatchLedgerAsync(ILedger ledger, string instanceId, DateTimeOffset warningTime, CancellationToken cancellationToken)
    {
        int shown = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                InterruptionRecord? record = await ledger.GetAsync(instanceId, cancellationToken);
                IReadOnlyList<TimelineEntry> timeline = record?.Timeline ?? [];
                for (; shown < timeline.Count; shown++)
                {
                    TimelineEntry entry = timeline[shown];
                    double elapsed = (entry.At - warningTime).TotalSeconds;
                    string colour = entry.Status switch
                    {
                        "Done" or "NoOp" => "green",
                        "Failed" => "red",
                        "Skipped" => "yellow",
                        _ => "blue",
                    };
                    console.MarkupLine(CultureInfo.InvariantCulture, "[grey]{0,7:+0.0}s of 120s[/]  [bold]{1,-10}[/] [{2}]{3,-8}[/] {4}",
                        elapsed, Markup.Escape(entry.Step), colour, Markup.Escape(entry.Status), Markup.Escape(entry.Reason ?? ""));
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), _time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task<IReadOnlyList<string>> SummarizeAsync(
        AwsClientFactory aws, AutoScalingGroupInfo before, AutoScalingGroupInfo after, string doomedId, string volumeId, InterruptionRecord? record, DemoPeers peers,
        int? terminatedAtRequest, IReadOnlyList<string> published, IReadOnlyList<DemoCheck> more, CancellationToken cancellationToken)
    {
        var failed = new List<string>();
        var newcomers = after.Instances.Where(i => before.Instances.All(b => b.InstanceId != i.InstanceId)).ToList();
        string? successor = record?.SuccessorInstanceId;
        DescribeVolumesResponse volumes = await aws.Ec2.DescribeVolumesAsync(new DescribeVolumesRequest(), cancellationToken);
        Volume? original = volumes.Volumes.FirstOrDefault(v => v.VolumeId == volumeId);
        Volume? moved = volumes.Volumes.FirstOrDefault(v => v.Attachments?.Any(a => a.Device == "/dev/xvdz") == true);

        var table = new Table().Border(TableBorder.Rounded).AddColumn("check").AddColumn("result");
        void Check(string name, bool ok, string detail)
        {
            table.AddRow(Markup.Escape(name), ok ? $"[green]ok[/] {Markup.Escape(detail)}" : $"[red]FAILED[/] {Markup.Escape(detail)}");
            if (!ok)
            {
                failed.Add($"{name}: {detail}");
            }
        }

        Check("interrupted instance left the group", after.Instances.All(i => i.InstanceId != doomedId), doomedId);
        Check("exactly one successor joined", newcomers.Count == 1, string.Join(", ", newcomers.Select(n => $"{n.InstanceId} ({n.AvailabilityZone})")));
        Check("desired capacity unchanged", after.DesiredCapacity == before.DesiredCapacity, $"{before.DesiredCapacity} -> {after.DesiredCapacity}");
        Check("successor recorded in the ledger", successor is not null && newcomers.Any(n => n.InstanceId == successor), successor ?? "none");
        Check("data volume kept", original is not null, original is null ? $"{volumeId} is gone" : $"{volumeId} {original.State}");
        string? movedTo = moved?.Attachments.First(a => a.Device == "/dev/xvdz").InstanceId;
        Check("data volume on the successor at /dev/xvdz", moved is not null && movedTo == successor,
            moved is null ? "not attached" : $"{moved.VolumeId} on {movedTo}{(moved.VolumeId == volumeId ? "" : $" (copy of {volumeId} via snapshot)")}");
        if (scenario == DemoScenario.Duplicate)
        {
            Check("duplicate warning started nothing", record?.EventIds.Count == 1 && newcomers.Count == 1, $"event ids seen: {record?.EventIds.Count ?? 0}");
        }

        // Told at receipt and at the end, through EventBridge: what an operator's rule (Slack, e-mail) would get.
        Check("hand-over events reached the queue", published.FirstOrDefault() == "MaxGroup Hand-over Started" && published.Contains("MaxGroup Hand-over Completed"),
            published.Count == 0 ? "none" : string.Join(", ", published));
        foreach (DemoCheck check in peers.Checks(terminatedAtRequest).Concat(more))
        {
            Check(check.Name, check.Ok, check.Detail);
        }

        console.WriteLine();
        console.Write(table);
        if (record is not null)
        {
            var steps = new Table().Border(TableBorder.Rounded).AddColumn("step").AddColumn("status").AddColumn("reason");
            foreach (StepRecord step in record.Steps)
            {
                steps.AddRow(Markup.Escape(step.Name), Markup.Escape(step.Status.ToString()), Markup.Escape(step.Reason ?? ""));
            }

            console.Write(steps);
            console.MarkupLine(CultureInfo.InvariantCulture, "ledger timeline of [bold]{0}[/] (warning at {1:HH:mm:ss}, reclaim at {2:HH:mm:ss}):", doomedId, record.WarningTime, record.ReclaimAt);
            foreach (TimelineEntry entry in record.Timeline)
            {
                console.MarkupLine(CultureInfo.InvariantCulture, "  {0,7:+0.0}s  {1,-10} {2,-8} {3}", (entry.At - record.WarningTime).TotalSeconds,
                    Markup.Escape(entry.Step), Markup.Escape(entry.Status), Markup.Escape(entry.Reason ?? ""));
            }
        }

        return failed;
    }

    /// <summary>AWS's part at the deadline: a stop interruption stops the instance, any other terminates it.</summary>
    private async Task<string> ReclaimAsync(IAmazonEC2 ec2, string instanceId, CancellationToken cancellationToken)
    {
        if (scenario == DemoScenario.Stop)
        {
            await ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [instanceId] }, cancellationToken);
            return "stopped";
        }

        await ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [instanceId] }, cancellationToken);
        return "terminated";
    }

    /// <summary>The node name EKS gives an instance: its private DNS name (ip-10-0-1-5.ec2.internal).</summary>
    private static string NodeName(Instance instance) =>
        !string.IsNullOrEmpty(instance.PrivateDnsName) ? instance.PrivateDnsName : $"ip-{instance.PrivateIpAddress?.Replace('.', '-')}.ec2.internal";

    private static async Task<Instance> DescribeAsync(IAmazonEC2 ec2, string instanceId, CancellationToken cancellationToken) =>
        (await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] }, cancellationToken)).Reservations.Single().Instances.Single();

    private string SweepJson() =>
        "{\"version\":\"0\",\"id\":\"demo-sweep-0001\",\"detail-type\":\"Scheduled Event\",\"source\":\"aws.events\",\"account\":\"123456789012\",\"time\":\""
        + _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)
        + "\",\"region\":\"us-east-1\",\"resources\":[\"arn:aws:events:us-east-1:123456789012:rule/maxgroup-sweep\"],\"detail\":{}}";

    internal void Say(string who, string text) =>
        console.MarkupLine(CultureInfo.InvariantCulture, "[grey]{0:HH:mm:ss}[/] [bold]{1,-10}[/] {2}", _time.GetUtcNow(), Markup.Escape(who), Markup.Escape(text));

    private static string Brief(string body) => body.Length <= 240 ? body : string.Concat(body.AsSpan(0, 240), "...");
}
