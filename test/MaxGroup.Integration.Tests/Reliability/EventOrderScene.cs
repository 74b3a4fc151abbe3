using Amazon.EC2.Model;

namespace MaxGroup.Integration.Tests.Reliability;

/// <summary>
/// A managed Spot group on moto for the event order and concurrency tests: the CLI scene's group (launch template
/// with a data volume at /dev/sdf, us-east-1a) with the detach strategy, so that the group itself launches the
/// successor (the instance an "EC2 Instance Launch Successful" event is really about), and the volume step on.
/// Events go through the real composition (<see cref="HandlerCatalog"/> in inline mode, as `maxgroup invoke --inline`).
/// Invariants are read back from moto and the ledger, never from what MaxGroup returned.
/// </summary>
internal sealed class EventOrderScene : IDisposable
{
    public const string GroupConfigJson = """
        {
          "replacement_strategy": "detach",
          "detaching_delay_seconds": 0,
          "persistence_dev": "/dev/sdf"
        }
        """;

    public const string AttachAs = "/dev/xvdz";
    public const string Zone = "us-east-1a";

    private readonly List<LocalFunctionHost> _hosts = [];
    private readonly List<MemoryStream> _logs = [];

    private EventOrderScene(CliScene cli, AutoScalingGroupInfo before)
    {
        Cli = cli;
        Before = before;
    }

    public CliScene Cli { get; }

    /// <summary>The group before any event: the desired capacity must end here, and new members are successors.</summary>
    public AutoScalingGroupInfo Before { get; }

    public static async Task<EventOrderScene> CreateAsync(MotoFixture moto, int desired = 2)
    {
        CliScene cli = await CliScene.CreateAsync(moto, GroupConfigJson, maxSize: 5);
        if (desired != 2)
        {
            await cli.Aws.AutoScaling.SetDesiredCapacityAsync(CliScene.Group, desired, false, CancellationToken.None);
        }

        AutoScalingGroupInfo before = Assert.Single(await cli.Aws.AutoScaling.DescribeAutoScalingGroupsAsync([CliScene.Group], CancellationToken.None));
        Assert.Equal(desired, before.Instances.Count);
        return new EventOrderScene(cli, before);
    }

    /// <summary>A new execution environment: its own clients, dispatcher and steps, sharing the ledger table; its log kept.</summary>
    public LocalFunctionHost NewHost()
    {
        var logs = new MemoryStream();
        var host = new LocalFunctionHost(new InvocationOptions { Inline = true }, new LogSink(logs));
        _logs.Add(logs);
        _hosts.Add(host);
        return host;
    }

    /// <summary>Every log line the scene's hosts wrote.</summary>
    public string Logs() => string.Concat(_logs.Select(l => Encoding.UTF8.GetString(l.ToArray())));

    public async Task<string> DataVolumeOfAsync(string instanceId)
    {
        Instance instance = await DescribeInstanceAsync(instanceId);
        return instance.BlockDeviceMappings.Single(b => b.DeviceName == "/dev/sdf").Ebs.VolumeId;
    }

    public async Task<Instance> DescribeInstanceAsync(string instanceId)
    {
        DescribeInstancesResponse response = await Cli.Aws.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] });
        return Assert.Single(response.Reservations.SelectMany(r => r.Instances));
    }

    /// <summary>AWS's own part of the interruption: the instance is reclaimed (terminated, or stopped for a stop warning).</summary>
    public async Task ReclaimAsync(string instanceId, string action = "terminate")
    {
        if (action == "stop")
        {
            await Cli.Aws.Ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [instanceId] });
        }
        else
        {
            await Cli.Aws.Ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [instanceId] });
        }
    }

    public async Task<InterruptionRecord?> RecordAsync(string instanceId)
    {
        using LocalFunctionHost reader = new(new InvocationOptions(), new LogSink(Stream.Null));
        return await reader.Services.Ledger.GetAsync(instanceId, CancellationToken.None);
    }

    /// <summary>Runs the dispatcher on <paramref name="json"/>; an invocation error fails the test (nothing may break).</summary>
    public static async Task<string> DispatchAsync(LocalFunctionHost host, string json, string label)
    {
        InvocationResult result = await host.InvokeAsync("dispatcher", json, CancellationToken.None);
        Assert.True(result.Succeeded, $"{label}: the dispatcher failed: {result.Error?.ErrorType}: {result.Error?.ErrorMessage}");
        using JsonDocument body = JsonDocument.Parse(result.Body!);
        return body.RootElement.GetProperty("status").GetString() ?? "";
    }

    public static string WarningJson(string eventId, string instanceId, DateTimeOffset reclaimAt, string action = "terminate") =>
        DemoScene.WarningJson(eventId, instanceId, Zone, action, reclaimAt);

    public static string StateChangeJson(string eventId, string instanceId, string state) =>
        DemoScene.StateChangeJson(eventId, instanceId, state, DateTimeOffset.UtcNow);

    /// <summary>"EC2 Instance Launch Successful" of <paramref name="instanceId"/> in the scene's group, in AWS's shape.</summary>
    public static string LaunchJson(string eventId, string instanceId)
    {
        string now = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var json = new StringBuilder();
        json.Append("{\"version\":\"0\",\"id\":\"").Append(eventId)
            .Append("\",\"detail-type\":\"EC2 Instance Launch Successful\",\"source\":\"aws.autoscaling\",\"account\":\"123456789012\",\"time\":\"").Append(now)
            .Append("\",\"region\":\"us-east-1\",\"resources\":[\"arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0:autoScalingGroupName/").Append(CliScene.Group)
            .Append("\",\"arn:aws:ec2:us-east-1:123456789012:instance/").Append(instanceId)
            .Append("\"],\"detail\":{\"StatusCode\":\"InProgress\",\"AutoScalingGroupName\":\"").Append(CliScene.Group)
            .Append("\",\"EC2InstanceId\":\"").Append(instanceId)
            .Append("\",\"Details\":{\"Availability Zone\":\"").Append(Zone).Append("\"}}}");
        return json.ToString();
    }

    public static string SweepJson(string eventId) =>
        "{\"version\":\"0\",\"id\":\"" + eventId + "\",\"detail-type\":\"Scheduled Event\",\"source\":\"aws.events\",\"account\":\"123456789012\",\"time\":\""
        + DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)
        + "\",\"region\":\"us-east-1\",\"resources\":[\"arn:aws:events:us-east-1:123456789012:rule/maxgroup-volume-sweep\"],\"detail\":{}}";

    /// <summary>
    /// Holds at every moment: the data volume exists, is not being deleted, and is attached to at most one instance;
    /// when it is free, its tags say the move is still open (nothing forgot it).
    /// </summary>
    public async Task<List<string>> SafetyViolationsAsync(string volumeId, string when)
    {
        var violations = new List<string>();
        DescribeVolumesResponse response = await Cli.Aws.Ec2.DescribeVolumesAsync(new DescribeVolumesRequest { VolumeIds = [volumeId] });
        Amazon.EC2.Model.Volume? volume = response.Volumes?.SingleOrDefault();
        if (volume is null || volume.State == "deleting" || volume.State == "deleted")
        {
            violations.Add($"{when}: data volume {volumeId} deleted ({volume?.State ?? "gone"})");
            return violations;
        }

        int attachments = volume.Attachments?.Count ?? 0;
        if (attachments > 1)
        {
            violations.Add($"{when}: data volume {volumeId} attached to {attachments} instances");
        }

        string? status = volume.Tags?.FirstOrDefault(t => t.Key == "spotmax:status")?.Value;
        if (attachments == 0 && status is not ("pending" or "attaching" or "copying"))
        {
            violations.Add($"{when}: data volume {volumeId} is free but its move is not open (spotmax:status {status ?? "absent"})");
        }

        return violations;
    }

    /// <summary>
    /// The end state of one interruption: exactly one successor (a new group member, recorded in the ledger) holds the
    /// volume at /dev/xvdz; replace ran once and is done; the volume step is done.
    /// </summary>
    public async Task<List<string>> EndViolationsAsync(string doomed, string volumeId)
    {
        var violations = new List<string>();
        InterruptionRecord? record = await RecordAsync(doomed);
        if (record is null)
        {
            violations.Add($"no ledger record for {doomed}");
            return violations;
        }

        AutoScalingGroupInfo after = Assert.Single(await Cli.Aws.AutoScaling.DescribeAutoScalingGroupsAsync([CliScene.Group], CancellationToken.None));
        string? successor = record.SuccessorInstanceId;
        if (successor is null)
        {
            violations.Add($"no successor recorded for {doomed}");
        }
        else if (after.Instances.All(i => i.InstanceId != successor) || Before.Instances.Any(i => i.InstanceId == successor))
        {
            violations.Add($"recorded successor {successor} of {doomed} is not a new member of the group");
        }

        // The timeline may miss a "running" entry on moto: its DynamoDB does not make a conditional put atomic with
        // concurrent requests (replace and volume start together), so a lost update there is the emulator's. Two
        // starts are never the emulator's. The runs themselves are counted in the runner's log: one "ended" per run.
        int replaceStarts = record.Timeline.Count(t => t.Step == StepNames.Replace && t.Status == "running");
        if (replaceStarts > 1)
        {
            violations.Add($"replace of {doomed} started {replaceStarts} times; timeline: {string.Join(" | ", record.Timeline.Select(t => $"{t.At:HH:mm:ss.fff} {t.Step} {t.Status}"))}");
        }

        int replaceRuns = CountOf(Logs(), $"\"message\":\"Step replace for {doomed} ended ");
        if (replaceRuns != 1)
        {
            violations.Add($"replace of {doomed} ran {replaceRuns} times");
        }

        if (record.FindStep(StepNames.Replace)?.Status != StepStatus.Done)
        {
            violations.Add($"replace of {doomed} is {record.FindStep(StepNames.Replace)?.Status}: {record.FindStep(StepNames.Replace)?.Reason}");
        }

        if (record.FindStep(StepNames.Volume)?.Status != StepStatus.Done)
        {
            violations.Add($"volume step of {doomed} is {record.FindStep(StepNames.Volume)?.Status}: {record.FindStep(StepNames.Volume)?.Reason}");
        }

        DescribeVolumesResponse response = await Cli.Aws.Ec2.DescribeVolumesAsync(new DescribeVolumesRequest { VolumeIds = [volumeId] });
        Amazon.EC2.Model.Volume? volume = response.Volumes?.SingleOrDefault();
        List<VolumeAttachment> attachments = volume?.Attachments ?? [];
        if (volume is null)
        {
            violations.Add($"data volume {volumeId} deleted");
        }
        else if (attachments.Count != 1 || attachments[0].InstanceId != successor || attachments[0].Device != AttachAs)
        {
            violations.Add($"data volume {volumeId} ends {volume.State} on [{string.Join(", ", attachments.Select(a => a.InstanceId + " " + a.Device))}], not on successor {successor} at {AttachAs}");
        }

        return violations;
    }

    /// <summary>Members of the group, or running instances, that did not exist before: the successors launched.</summary>
    public async Task<List<string>> NewLiveInstancesAsync()
    {
        DescribeInstancesResponse all = await Cli.Aws.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest());
        return all.Reservations.SelectMany(r => r.Instances)
            .Where(i => i.State.Name != "terminated" && i.State.Name != "shutting-down" && Before.Instances.All(b => b.InstanceId != i.InstanceId))
            .Select(i => i.InstanceId)
            .ToList();
    }

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    public async Task<int> DesiredCapacityAsync() =>
        Assert.Single(await Cli.Aws.AutoScaling.DescribeAutoScalingGroupsAsync([CliScene.Group], CancellationToken.None)).DesiredCapacity;

    public void Dispose()
    {
        foreach (LocalFunctionHost host in _hosts)
        {
            host.Dispose();
        }

        Cli.Dispose();
    }
}
