using System.Diagnostics;
using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using Amazon.S3.Model;
using MaxGroup.Integration.Tests.Kubernetes;
using MaxGroup.Simulators.Kubernetes;

namespace MaxGroup.Integration.Tests.Reliability;

/// <summary>
/// One run of the interruption drill for one trigger (<see cref="FaultDrillTrigger"/>): the demo's Spot group in moto with a data volume, its node in the Kubernetes API
/// fake and its services in the Consul agent fake, every peer behind a fault proxy with the same plan and seed. It plays
/// what EventBridge would deliver (the trigger's event, the instance's termination, the event again, the volume sweep), then reads
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

    public static async Task<FaultDrillRun> RunAsync(MotoFixture moto, FaultDrillTrigger trigger, FaultDrillPlan drillPlan, int seed, string logDirectory)
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
        if (trigger == FaultDrillTrigger.ScaleIn)
        {
            await new MotoScene(direct).LifecycleHookAsync(DemoScene.GroupName, FaultDrillTrigger.Hook, (int)FaultDrillTrigger.HookHeartbeat.TotalSeconds);
        }

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

        string token = Guid.NewGuid().ToString();
        if (trigger == FaultDrillTrigger.ScaleIn)
        {
            // Auto Scaling chose the instance for a scale-in: it waits in Terminating:Wait until the hook is completed.
            awsProxy.LifecycleActions.Begin(DemoScene.GroupName, FaultDrillTrigger.Hook, doomed.InstanceId, token, FaultDrillTrigger.HookHeartbeat);
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
        string logPath = Path.Combine(logDirectory, $"{RunName(trigger, drillPlan, seed)}.log.jsonl");
        var invocations = new List<string>();
        DateTimeOffset openedAt = DateTimeOffset.UtcNow;
        DateTimeOffset reclaimAt = openedAt + (trigger == FaultDrillTrigger.Retirement ? FaultDrillTrigger.RetirementAhead : ReclaimAfter);
        DateTimeOffset terminatedReportedAt = DateTimeOffset.MaxValue;
        await using (FileStream logs = File.Create(logPath))
        {
            using var host = new FaultDrillHost(variables, logs);
            string opening = trigger.OpeningJson($"drill-{trigger.Key}", doomed.InstanceId, zone, reclaimAt, token);
            invocations.Add(await InvokeAsync(host, trigger.Key, opening));
            // AWS's part, not faulted: the instance is reclaimed (early: the notice is best effort); a retirement at its
            // start, played now (MaxGroup terminated the instance itself if its replace got that far); a scale-in once the
            // hook was completed or its action timed out.
            await direct.Ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [doomed.InstanceId] });
            if (trigger == FaultDrillTrigger.ScaleIn)
            {
                // A scale-in has no reclaim time: the steps that need the instance must have ended when Auto Scaling went on.
                reclaimAt = awsProxy.LifecycleActions.Calls.FirstOrDefault(c => c.Action == "CompleteLifecycleAction" && c.Accepted)?.At ?? DateTimeOffset.UtcNow;
            }

            terminatedReportedAt = DateTimeOffset.UtcNow;
            invocations.Add(await InvokeAsync(host, "terminated", DemoScene.StateChangeJson("drill-state", doomed.InstanceId, "terminated", DateTimeOffset.UtcNow)));
            // EventBridge delivers at least once: the same event again must start nothing.
            invocations.Add(await InvokeAsync(host, "duplicate", opening));
            // The schedule's volume sweep, as the template runs it every few minutes.
            invocations.Add(await InvokeAsync(host, "sweep", ScheduledJson()));
        }

        var run = new FaultDrillRun
        {
            Trigger = trigger.Key,
            Plan = drillPlan.Key,
            Seed = seed,
            InstanceId = doomed.InstanceId,
            VolumeId = volumeId,
            Invocations = invocations,
            Calls = awsProxy.Calls.Concat(kubeProxy.Calls).Concat(consulProxy.Calls).ToList(),
            LogPath = logPath,
            TerminatedReportedAt = terminatedReportedAt,
        };
        await FaultDrillInvariants.CheckAsync(run, trigger, direct, before, reclaimAt, kube, nodeName, consul, awsProxy.LifecycleActions, token);
        run.Duration = clock.Elapsed;
        return run;
    }

    /// <summary>The run's file name: plan and seed, after the trigger unless it is the Spot warning (the names the drill always had).</summary>
    public static string RunName(FaultDrillTrigger trigger, FaultDrillPlan plan, int seed) =>
        trigger == FaultDrillTrigger.Spot ? $"{plan.Key}-seed{seed}" : $"{trigger.Key}-{plan.Key}-seed{seed}";

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
