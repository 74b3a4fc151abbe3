using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using MaxGroup.Aws;
using MaxGroup.Core.Model;
using Spectre.Console;

namespace MaxGroup.Cli.Demo;

/// <summary>
/// `--scenario retirement`: an AWS Health scheduled change (EC2, AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED) names the
/// instance holding the data volume, with its start time a short time ahead. The dispatcher hands over before it:
/// successor launched and attached, node drained, Consul deregistered, the retiring instance terminated in its group
/// with decrement; the demo then sends the terminated state change EventBridge would, and the volume moves to the
/// successor. The checks are taken before the start time and read the emulator's EC2 and Auto Scaling and the simulators.
/// </summary>
public sealed class RetirementDemo(DemoRunner runner, IAnsiConsole console, TimeProvider time)
{
    /// <summary>
    /// How far ahead the retirement starts: past the two minutes of a Spot notice, so that the start itself is the
    /// hand-over's deadline (a nearer start is given the two minutes instead); AWS announces retirements about two weeks ahead.
    /// </summary>
    public static readonly TimeSpan StartIn = TimeSpan.FromMinutes(3);

    public async Task<IReadOnlyList<string>> RunAsync(DemoStage stage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stage);
        AwsClientFactory aws = stage.Aws;
        string instanceId = stage.InstanceId;
        DateTimeOffset sent = time.GetUtcNow();
        DateTimeOffset start = sent + StartIn;
        string health = HealthEventJson("demo-health-0001", instanceId, sent, start);
        runner.Say("aws", $"AWS Health Event: EC2 scheduledChange AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED for {instanceId}, start {start:HH:mm:ss} ({StartIn.TotalSeconds:0} s ahead; AWS announces about two weeks ahead)");

        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task watcher = runner.WatchLedgerAsync(stage.Host.Services.Ledger, instanceId, sent, watching.Token);
        await runner.InvokeAsync(stage.Host, "dispatcher", health, "health event", cancellationToken);
        string state = (await aws.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] }, cancellationToken))
            .Reservations.Single().Instances.Single().State.Name.Value;
        runner.Say("aws", $"{instanceId} is {state}; EC2 Instance State-change Notification sent");
        int terminatedAtRequest = stage.Peers.KubernetesRequests;
        await runner.InvokeAsync(stage.Host, "dispatcher", DemoScene.StateChangeJson("demo-state-0001", instanceId, "terminated", time.GetUtcNow()), "state-change", cancellationToken);

        InterruptionRecord? record = await stage.Host.Services.Ledger.GetAsync(instanceId, cancellationToken);
        string? successor = record?.SuccessorInstanceId;
        AutoScalingGroupInfo after = await DemoScene.DescribeGroupAsync(aws, cancellationToken);
        Volume? volume = (await aws.Ec2.DescribeVolumesAsync(new DescribeVolumesRequest(), cancellationToken)).Volumes.FirstOrDefault(v => v.VolumeId == stage.VolumeId);
        Instance retired = (await aws.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] }, cancellationToken)).Reservations.Single().Instances.Single();
        DateTimeOffset checkedAt = time.GetUtcNow();

        await Task.Delay(TimeSpan.FromMilliseconds(800), time, cancellationToken);
        await watching.CancelAsync();
        await watcher.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        IReadOnlyList<string> published = await stage.Events.ReceiveAsync(TimeSpan.FromSeconds(10), time, cancellationToken);
        runner.Say("events", $"on the queue {stage.Events.QueueUrl}: {(published.Count == 0 ? "nothing" : string.Join(", ", published))}");

        var checks = new DemoCheckTable();
        string beforeStart = string.Create(CultureInfo.InvariantCulture, $"checked at {checkedAt:HH:mm:ss}, {(start - checkedAt).TotalSeconds:0.0} s before the start");
        AutoScalingInstanceInfo? successorMember = after.Instances.FirstOrDefault(i => i.InstanceId == successor);
        checks.Check("successor InService before the start time", successorMember?.LifecycleState == "InService" && checkedAt < start,
            successor is null ? "no successor recorded" : $"{successor} {successorMember?.LifecycleState ?? "not in the group"} ({successorMember?.AvailabilityZone}); {beforeStart}");
        VolumeAttachment? attachment = volume?.Attachments?.FirstOrDefault();
        checks.Check("data volume on the successor at /dev/xvdz", successor is not null && attachment?.InstanceId == successor && attachment.Device == "/dev/xvdz" && checkedAt < start,
            volume is null ? $"{stage.VolumeId} is gone" : $"{DemoRecordView.Where(volume)}; {beforeStart}");
        checks.Check("deadline is the start time", record is not null && record.ReclaimAt.ToUnixTimeSeconds() == start.ToUnixTimeSeconds(),
            record is null ? "no hand-over in the ledger" : $"ledger deadline {record.ReclaimAt:HH:mm:ss}, start {start:HH:mm:ss}");
        checks.Check("retired instance out of the group and terminated", after.Instances.All(i => i.InstanceId != instanceId) && retired.State.Name.Value is "shutting-down" or "terminated",
            $"{instanceId} {retired.State.Name.Value}{(record?.FindStep("replace")?.Details.TryGetValue("terminated", out string? by) == true ? $" (terminated in its group by the replace step: {by})" : "")}");
        checks.Check("desired capacity unchanged", after.DesiredCapacity == stage.Before.DesiredCapacity && after.Instances.Count == stage.Before.Instances.Count,
            $"{stage.Before.DesiredCapacity} -> {after.DesiredCapacity}, {after.Instances.Count} members");
        checks.Check("hand-over events reached the queue", published.FirstOrDefault() == "MaxGroup Hand-over Started" && published.Contains("MaxGroup Hand-over Completed"),
            published.Count == 0 ? "none" : string.Join(", ", published));
        foreach (DemoCheck check in stage.Peers.Checks(terminatedAtRequest))
        {
            checks.Check(check);
        }

        checks.Write(console);
        if (record is not null)
        {
            DemoRecordView.Write(console, record, sent, "Health event");
        }

        return checks.Failed;
    }

    /// <summary>An AWS Health Event in AWS's shape (events/aws-health-ec2-instance-retirement-scheduled.json) for one instance.</summary>
    public static string HealthEventJson(string eventId, string instanceId, DateTimeOffset time, DateTimeOffset start)
    {
        string code = "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED";
        string rfc1123 = start.ToString("r", CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["version"] = "0",
            ["id"] = eventId,
            ["detail-type"] = "AWS Health Event",
            ["source"] = "aws.health",
            ["account"] = "123456789012",
            ["time"] = time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["region"] = "us-east-1",
            ["resources"] = new JsonArray(instanceId),
            ["detail"] = new JsonObject
            {
                ["eventArn"] = $"arn:aws:health:us-east-1::event/EC2/{code}/{code}_{eventId}",
                ["service"] = "EC2",
                ["eventTypeCode"] = code,
                ["eventTypeCategory"] = "scheduledChange",
                ["eventScopeCode"] = "ACCOUNT_SPECIFIC",
                ["startTime"] = rfc1123,
                ["endTime"] = rfc1123,
                ["lastUpdatedTime"] = time.ToString("r", CultureInfo.InvariantCulture),
                ["statusCode"] = "upcoming",
                ["eventRegion"] = "us-east-1",
                ["eventDescription"] = new JsonArray(new JsonObject
                {
                    ["language"] = "en_US",
                    ["latestDescription"] = $"EC2 has detected degradation of the underlying hardware hosting your Amazon EC2 instance(s) associated with this event in the us-east-1 region. We will stop your instance(s) after {start.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC.",
                }),
                ["eventMetadata"] = new JsonObject(),
                ["affectedEntities"] = new JsonArray(new JsonObject { ["entityValue"] = instanceId }),
                ["affectedAccount"] = "123456789012",
                ["page"] = "1",
                ["totalPages"] = "1",
            },
        }.ToJsonString();
    }
}
