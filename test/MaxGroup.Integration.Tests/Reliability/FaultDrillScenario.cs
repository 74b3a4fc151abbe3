using System.Diagnostics;
using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using Amazon.S3.Model;
using MaxGroup.Core.Steps.Volume;
using MaxGroup.Integration.Tests.Kubernetes;
using MaxGroup.Simulators.Kubernetes;

namespace MaxGroup.Integration.Tests.Reliability;

/// <summary>
/// One run of the interruption drill: the demo's Spot group in moto with a data volume, its node in the Kubernetes API
/// fake and its services in the Consul agent fake, every peer behind a fault proxy with the same plan and seed. It plays
/// what EventBridge would deliver (warning, the instance's termination, the warning again, the volume sweep), then reads
/// the invariants straight from the peers and the ledger, never from MaxGroup's own answers.
/// </summary>
internal static class FaultDrillScenario
{
    public const string LedgerTable = "maxgroup-drill-ledger";
    public const string ClusterName = "maxgroup-drill";

    /// <summary>How long after the warning the instance is reclaimed in the drill (AWS gives 120 s; shorter makes deadline misses visible).</summary>
    public static readonly TimeSpan ReclaimAfter = TimeSpan.FromSeconds(60);

    /// <summary>No single invocation may take longer than this: a hang is reported as a violation, not waited out.</summary>
    public static readonly TimeSpan InvocationLimit = TimeSpan.FromSeconds(150);

    public static async Task<FaultDrillRun> RunAsync(MotoFixture moto, FaultDrillPlan drillPlan, int seed, string logDirectory)
    {
        var clock = Stopwatch.StartNew();
        FaultPlan faults = drillPlan.Faults with { Seed = seed };
        await ResetAsync(moto);
        using var direct = new AwsClientFactory(AwsEnvironment.FromVariables(new Dictionary<string, string> { ["AWS_ENDPOINT_URL"] = moto.Endpoint, ["AWS_REGION"] = MotoFixture.Region }), TimeProvider.System);
        await DemoScene.BuildAsync(direct, DemoScenario.Basic, CancellationToken.None);
        await MaxGroup.Aws.Ledger.LedgerTable.CreateIfMissingAsync(direct.DynamoDb, LedgerTable, TimeProvider.System, CancellationToken.None);
        AutoScalingGroupInfo before = await DemoScene.DescribeGroupAsync(direct, CancellationToken.None);
        AutoScalingInstanceInfo doomed = before.Instances.OrderBy(i => i.AvailabilityZone, StringComparer.Ordinal).ThenBy(i => i.InstanceId, StringComparer.Ordinal).First();
        Instance doomedInstance = (await direct.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [doomed.InstanceId] })).Reservations[0].Instances[0];
        string volumeId = doomedInstance.BlockDeviceMappings.Single(b => b.DeviceName == "/dev/sdf").Ebs.VolumeId;
        string zone = doomed.AvailabilityZone ?? DemoScene.ZoneA;

        await using FakeKubeApiServer kube = await FakeKubeApiServer.StartAsync();
        kube.TokenValidator = token => EksTokenChecker.Problem(token, ClusterName, MotoFixture.Region, "testing", "testing", DateTimeOffset.UtcNow) is null;
        string nodeName = doomedInstance.PrivateDnsName;
        kube.AddNode(nodeName, $"aws:///{zone}/{doomed.InstanceId}", zone);
        kube.AddPod("default", "web-1", nodeName, new Dictionary<string, string> { ["app"] = "web" });
        kube.AddPod("default", "api-1", nodeName, new Dictionary<string, string> { ["app"] = "api" });
        await using FakeConsul consul = await FakeConsul.StartAsync();
        consul.AddService("web-1", "web");
        consul.AddService("api-1", "api");

        await using AwsFaultProxy awsProxy = await AwsFaultProxy.StartAsync(moto.Endpoint, faults);
        foreach ((string action, string fault) in drillPlan.Script)
        {
            awsProxy.FailNext(action, fault);
        }

        await using HttpFaultProxy kubeProxy = await HttpFaultProxy.StartAsync("kubernetes", kube.Endpoint, faults, kube.Certificates.Server, kube.Certificates.Ca);
        await using HttpFaultProxy consulProxy = await HttpFaultProxy.StartAsync("consul", $"http://{consul.Address}", faults);
        await direct.S3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = DemoScene.ConfigBucket,
            Key = $"groups/{DemoScene.GroupName}.json",
            ContentBody = GroupConfigJson(kubeProxy.Endpoint, kube.Certificates.CaBase64, consulProxy.Port),
            ContentType = "application/json",
        });

        var variables = new Dictionary<string, string>
        {
            ["AWS_ENDPOINT_URL"] = awsProxy.Endpoint,
            ["AWS_REGION"] = MotoFixture.Region,
            ["MAXGROUP_CONFIG_BUCKET"] = DemoScene.ConfigBucket,
            ["MAXGROUP_CONFIG_PREFIX"] = "groups/",
            ["MAXGROUP_LEDGER_TABLE"] = LedgerTable,
            ["KUBECONFIG"] = "",
        };
        string logPath = Path.Combine(logDirectory, $"{drillPlan.Key}-seed{seed}.log.jsonl");
        var invocations = new List<string>();
        DateTimeOffset warningAt = DateTimeOffset.UtcNow;
        DateTimeOffset reclaimAt = warningAt + ReclaimAfter;
        await using (FileStream logs = File.Create(logPath))
        {
            using var host = new FaultDrillHost(variables, logs);
            string warning = DemoScene.WarningJson("drill-warning", doomed.InstanceId, zone, "terminate", reclaimAt);
            invocations.Add(await InvokeAsync(host, "warning", warning));
            // AWS's part, not faulted: the instance is reclaimed (early: the notice is best effort).
            await direct.Ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [doomed.InstanceId] });
            invocations.Add(await InvokeAsync(host, "terminated", DemoScene.StateChangeJson("drill-state", doomed.InstanceId, "terminated", DateTimeOffset.UtcNow)));
            // EventBridge delivers at least once: the same warning again must start nothing.
            invocations.Add(await InvokeAsync(host, "duplicate", warning));
            // The schedule's volume sweep, as the template runs it every few minutes.
            invocations.Add(await InvokeAsync(host, "sweep", ScheduledJson()));
        }

        var run = new FaultDrillRun
        {
            Plan = drillPlan.Key,
            Seed = seed,
            InstanceId = doomed.InstanceId,
            VolumeId = volumeId,
            Invocations = invocations,
            Calls = awsProxy.Calls.Concat(kubeProxy.Calls).Concat(consulProxy.Calls).ToList(),
            LogPath = logPath,
        };
        await CheckInvariantsAsync(run, direct, before, reclaimAt, kube, nodeName, consul);
        run.Duration = clock.Elapsed;
        return run;
    }

    /// <summary>The emulator's reset, tried again when the loaded machine makes it miss its 10 s timeout: not MaxGroup's fault.</summary>
    private static async Task ResetAsync(MotoFixture moto)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await moto.ResetAsync();
                return;
            }
            catch (Exception ex) when (attempt < 4 && ex is TaskCanceledException or HttpRequestException)
            {
                await Task.Delay(TimeSpan.FromSeconds(2 * attempt));
            }
        }
    }

    public static string GroupConfigJson(string kubeEndpoint, string caBase64, int consulPort)
    {
        var config = new JsonObject
        {
            ["detaching_delay_seconds"] = 2,
            ["persistence_dev"] = "/dev/sdf",
            ["replacement_strategy"] = "launch",
            ["alt1"] = "m5.large",
            ["k8s_node_drain_option"] = true,
            ["k8s_cluster_name"] = ClusterName,
            ["k8s_endpoint"] = kubeEndpoint,
            ["k8s_certificate_authority"] = caBase64,
            ["k8s_node_drain_grace_second"] = 10,
            ["consul_port"] = consulPort,
            ["consul_address"] = "127.0.0.1:{port}",
        };
        return config.ToJsonString();
    }

    private static async Task<string> InvokeAsync(FaultDrillHost host, string label, string input)
    {
        using var limit = new CancellationTokenSource(InvocationLimit);
        var watch = Stopwatch.StartNew();
        try
        {
            InvocationResult result = await host.InvokeAsync("dispatcher", input, limit.Token);
            string seconds = watch.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
            return result.Succeeded ? $"{label} ok {seconds}s" : $"{label} failed {seconds}s ({result.Error!.ErrorType}: {result.Error.ErrorMessage})";
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            return $"{label} HUNG past {InvocationLimit.TotalSeconds:0} s";
        }
    }

    private static string ScheduledJson() =>
        "{\"version\":\"0\",\"id\":\"drill-sweep\",\"detail-type\":\"Scheduled Event\",\"source\":\"aws.events\",\"account\":\"123456789012\",\"time\":\""
        + DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)
        + "\",\"region\":\"us-east-1\",\"resources\":[\"arn:aws:events:us-east-1:123456789012:rule/maxgroup-volume-sweep\"],\"detail\":{}}";

    private static async Task CheckInvariantsAsync(FaultDrillRun run, AwsClientFactory aws, AutoScalingGroupInfo before, DateTimeOffset reclaimAt, FakeKubeApiServer kube, string nodeName, FakeConsul consul)
    {
        List<string> violations = run.Violations;
        foreach (string invocation in run.Invocations.Where(i => i.Contains(" HUNG ", StringComparison.Ordinal)))
        {
            violations.Add($"invocation {invocation}");
        }

        // Desired capacity ends where it began.
        AutoScalingGroupInfo after = await DemoScene.DescribeGroupAsync(aws, CancellationToken.None);
        if (after.DesiredCapacity != before.DesiredCapacity)
        {
            violations.Add($"desired capacity {before.DesiredCapacity} -> {after.DesiredCapacity}");
        }

        // At most one successor per interrupted instance.
        List<Instance> instances = (await aws.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest())).Reservations.SelectMany(r => r.Instances).ToList();
        List<string> successors = instances
            .Where(i => i.State.Name != "terminated" && i.Tags?.Any(t => t.Key == SuccessorTags.Replaces && t.Value == run.InstanceId) == true)
            .Select(i => i.InstanceId)
            .ToList();
        if (successors.Count > 1)
        {
            violations.Add($"{successors.Count} successors launched for {run.InstanceId}: {string.Join(", ", successors)}");
        }

        var ledger = new DynamoDbLedger(aws.DynamoDb, LedgerTable);
        InterruptionRecord? record = await ledger.GetAsync(run.InstanceId, CancellationToken.None);
        run.Record = record;
        string? successor = record?.SuccessorInstanceId ?? successors.FirstOrDefault();
        run.Successor = successor;

        // The data volume exists and ends on the successor or tagged pending: never deleted, never on two instances.
        Amazon.EC2.Model.Volume? volume = (await aws.Ec2.DescribeVolumesAsync(new DescribeVolumesRequest
        {
            Filters = [new Amazon.EC2.Model.Filter("volume-id", [run.VolumeId])],
        })).Volumes.SingleOrDefault();
        if (volume is null)
        {
            violations.Add($"data volume {run.VolumeId} deleted");
            run.VolumeOutcome = "deleted";
        }
        else
        {
            List<string> attachedTo = (volume.Attachments ?? []).Where(a => a.State != "detached").Select(a => a.InstanceId).ToList();
            string? status = volume.Tags?.FirstOrDefault(t => t.Key == VolumeTags.Status)?.Value;
            if (attachedTo.Count > 1)
            {
                violations.Add($"data volume {run.VolumeId} attached to {attachedTo.Count} instances: {string.Join(", ", attachedTo)}");
                run.VolumeOutcome = "on two instances";
            }
            else if (attachedTo.Count == 1)
            {
                run.VolumeOutcome = attachedTo[0] == successor ? "on the successor" : $"on {attachedTo[0]}";
                if (attachedTo[0] != successor)
                {
                    violations.Add($"data volume {run.VolumeId} on {attachedTo[0]}, not on the successor {successor ?? "(none)"}");
                }
            }
            else if (status is not null && VolumeTags.Statuses.Open.Contains(status))
            {
                run.VolumeOutcome = $"tagged {status}";
            }
            else
            {
                run.VolumeOutcome = $"loose ({volume.State}, status tag {status ?? "none"})";
                violations.Add($"data volume {run.VolumeId} neither on the successor nor tagged pending (state {volume.State}, status tag {status ?? "none"})");
            }
        }

        if (record is null)
        {
            violations.Add($"no ledger record for {run.InstanceId}");
            return;
        }

        // Every step ends done, skipped with a reason, or failed with a reason; none runs past the deadline.
        foreach (StepRecord step in record.Steps)
        {
            bool volumeStillOpen = step.Name == StepNames.Volume && run.VolumeOutcome.StartsWith("tagged ", StringComparison.Ordinal);
            if (step.Status is StepStatus.Pending or StepStatus.Running || (step.Status is StepStatus.Waiting && !volumeStillOpen))
            {
                violations.Add($"step {step.Name} left {step.Status}{(step.Reason is null ? "" : $" ({step.Reason})")}");
            }
            else if (step.Status is StepStatus.Failed or StepStatus.Skipped && string.IsNullOrWhiteSpace(step.Reason))
            {
                violations.Add($"step {step.Name} {step.Status} without a reason");
            }

            if (step.Status is StepStatus.Failed or StepStatus.Skipped)
            {
                run.Failures.Add($"{step.Name} {step.Status.ToString().ToLowerInvariant()}: {step.Reason}");
            }

            // The volume can only move once the instance is gone, so its deadline is the sweep's, not the reclaim time.
            if (step.Name != StepNames.Volume && step.FinishedAt is { } finished && finished > reclaimAt)
            {
                violations.Add($"step {step.Name} finished {(finished - reclaimAt).TotalSeconds:0.0} s after the reclaim time");
            }
        }

        foreach (ProxiedCall late in run.Calls.Where(c => c.Service is "kubernetes" or "consul" && c.Start > reclaimAt).Take(3))
        {
            violations.Add($"{late.Service} call {late.Action} at {(late.Start - reclaimAt).TotalSeconds:0.0} s past the reclaim time");
        }

        // What the ledger says done is done in the peer.
        StepRecord? drain = record.FindStep(StepNames.Drain);
        if (drain?.Status == StepStatus.Done && kube.GetNode(nodeName)["spec"]?["unschedulable"]?.GetValue<bool>() != true)
        {
            violations.Add($"drain recorded done but node {nodeName} is still schedulable");
        }

        StepRecord? deregistration = record.FindStep(StepNames.Consul);
        if (deregistration?.Status == StepStatus.Done && consul.ServiceIds.Count > 0)
        {
            violations.Add($"consul recorded done but services remain: {string.Join(", ", consul.ServiceIds)}");
        }
    }

    /// <summary>The ledger's timeline of one run, one line per entry, for the run's report.</summary>
    public static string Timeline(InterruptionRecord? record)
    {
        if (record is null)
        {
            return "(no ledger record)";
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"interruption {record.InstanceId} status {record.Status} successor {record.SuccessorInstanceId ?? "-"} reclaim {record.ReclaimAt:HH:mm:ss.fff}");
        foreach (StepRecord step in record.Steps)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  step {step.Name}: {step.Status} started {step.StartedAt:HH:mm:ss.fff} finished {step.FinishedAt:HH:mm:ss.fff} {step.Reason}");
        }

        foreach (TimelineEntry entry in record.Timeline)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {entry.At:HH:mm:ss.fff} {entry.Step} {entry.Status} {entry.Reason}");
        }

        return text.ToString();
    }
}
