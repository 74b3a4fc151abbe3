using System.Globalization;
using System.Text;
using Amazon.EC2.Model;
using MaxGroup.Aws;
using MaxGroup.Cli.Demo;
using MaxGroup.Cli.Local;
using MaxGroup.Core.Ledger;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Remediation;
using MaxGroup.Functions.Composition;
using MaxGroup.Functions.Observability;
using MaxGroup.Functions.Runtime;
using MaxGroup.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace MaxGroup.Integration.Tests.Reliability;

/// <summary>Runs only when MAXGROUP_DRILL=1: the interruption drill is slow (about 20 s a run).</summary>
public sealed class DrillFactAttribute : FactAttribute
{
    public const string Variable = "MAXGROUP_DRILL";

    public DrillFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1")
        {
            Skip = $"Fault drill off: set {Variable}=1 to run it (it writes artifacts/reliability.md).";
        }
    }
}

/// <summary>
/// The full interruption drill (warning → replace → volume move) with MaxGroup's AWS calls going through the fault
/// proxy, under each fault and their mix, with fixed seeds. AWS's own part (reclaiming the instance) is not faulted.
/// After each run the invariants are read straight from the emulator and the ledger; every violation is reported.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class FaultDrillTests(MotoFixture moto, ITestOutputHelper output)
{
    private static readonly (string Name, FaultPlan Plan)[] Plans =
    [
        ("none", FaultPlan.None),
        ("throttling 20%", new FaultPlan { Throttle = 0.2 }),
        ("500/503 15%", new FaultPlan { ServerError = 0.15 }),
        ("latency 300 ms on 30%", new FaultPlan { Latency = 0.3 }),
        ("dropped before 10%", new FaultPlan { DropBefore = 0.1 }),
        ("dropped after the call took effect 5%", new FaultPlan { DropAfter = 0.05 }),
        ("mix", new FaultPlan { Throttle = 0.1, ServerError = 0.05, DropBefore = 0.03, DropAfter = 0.02, Latency = 0.1 }),
    ];

    private static readonly int[] Seeds = [1, 2, 3];

    [DrillFact]
    public async Task Drill_EveryFaultPlan_InvariantsHold()
    {
        var report = new StringBuilder();
        report.AppendLine("| faults | seed | calls | faults injected | outcome | invariant violations |");
        report.AppendLine("|---|---|---|---|---|---|");
        var violations = new List<string>();
        foreach ((string name, FaultPlan plan) in Plans)
        {
            foreach (int seed in Seeds)
            {
                DrillRun run = await RunAsync(plan with { Seed = seed, Services = new HashSet<string> { "ec2", "autoscaling", "dynamodb", "s3" } });
                report.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {seed} | {run.Calls} | {run.Faults} | {run.Outcome} | {(run.Violations.Count == 0 ? "none" : string.Join("; ", run.Violations))} |");
                violations.AddRange(run.Violations.Select(v => $"{name}/{seed}: {v}"));
                output.WriteLine($"{name} seed {seed}: {run.Outcome}; {string.Join("; ", run.Violations)}");
            }
        }

        string artifacts = Path.Combine(Runtime.RepositoryPaths.Root, "artifacts");
        Directory.CreateDirectory(artifacts);
        await File.WriteAllTextAsync(Path.Combine(artifacts, "reliability.md"), report.ToString());
        output.WriteLine(report.ToString());
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    private async Task<DrillRun> RunAsync(FaultPlan plan)
    {
        await moto.ResetAsync();
        string[] names = ["AWS_ENDPOINT_URL", "MAXGROUP_CONFIG_BUCKET", "MAXGROUP_CONFIG_PREFIX", "MAXGROUP_LEDGER_TABLE"];
        Dictionary<string, string?> saved = names.ToDictionary(n => n, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable("MAXGROUP_CONFIG_BUCKET", DemoScene.ConfigBucket);
            Environment.SetEnvironmentVariable("MAXGROUP_CONFIG_PREFIX", "groups/");
            Environment.SetEnvironmentVariable("MAXGROUP_LEDGER_TABLE", "maxgroup-drill-ledger");
            using var direct = new AwsClientFactory(AwsEnvironment.FromVariables(new Dictionary<string, string> { ["AWS_ENDPOINT_URL"] = moto.Endpoint, ["AWS_REGION"] = MotoFixture.Region }), TimeProvider.System);
            await DemoScene.BuildAsync(direct, DemoScenario.Basic, CancellationToken.None);
            await DispatchComposition.EnsureLedgerTableAsync(direct, n => n == "AWS_ENDPOINT_URL" ? moto.Endpoint : Environment.GetEnvironmentVariable(n), TimeProvider.System, CancellationToken.None);
            AutoScalingGroupInfo before = await DemoScene.DescribeGroupAsync(direct, CancellationToken.None);
            AutoScalingInstanceInfo doomed = before.Instances.OrderBy(i => i.AvailabilityZone, StringComparer.Ordinal).First();
            Instance doomedInstance = (await direct.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [doomed.InstanceId] })).Reservations[0].Instances[0];
            string volumeId = doomedInstance.BlockDeviceMappings.Single(b => b.DeviceName == "/dev/sdf").Ebs.VolumeId;

            await using AwsFaultProxy proxy = await AwsFaultProxy.StartAsync(moto.Endpoint, plan);
            Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL", proxy.Endpoint);
            var outcomes = new List<string>();
            using (var host = new LocalFunctionHost(new InvocationOptions { Inline = true }, new LogSink(Stream.Null)))
            {
                DateTimeOffset reclaimAt = DateTimeOffset.UtcNow.AddSeconds(40);
                outcomes.Add(Brief("warning", await host.InvokeAsync("dispatcher", DemoScene.WarningJson("drill-warning", doomed.InstanceId, doomed.AvailabilityZone ?? "us-east-1a", "terminate", reclaimAt), CancellationToken.None)));
                // AWS's part, not faulted: the instance is reclaimed (early: the notice is best effort).
                await direct.Ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [doomed.InstanceId] });
                outcomes.Add(Brief("state", await host.InvokeAsync("dispatcher", DemoScene.StateChangeJson("drill-state", doomed.InstanceId, "terminated", DateTimeOffset.UtcNow), CancellationToken.None)));
                // A duplicate of the warning, as EventBridge may deliver it again.
                outcomes.Add(Brief("duplicate", await host.InvokeAsync("dispatcher", DemoScene.WarningJson("drill-warning", doomed.InstanceId, doomed.AvailabilityZone ?? "us-east-1a", "terminate", reclaimAt), CancellationToken.None)));
            }

            int calls = proxy.Calls.Count;
            int faults = proxy.Calls.Count(c => c.Fault != "none");
            var violations = await CheckInvariantsAsync(direct, before, doomed.InstanceId, volumeId);
            return new DrillRun(calls, faults, string.Join(", ", outcomes), violations);
        }
        finally
        {
            foreach ((string name, string? value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }

    private static async Task<List<string>> CheckInvariantsAsync(AwsClientFactory aws, AutoScalingGroupInfo before, string doomedId, string volumeId)
    {
        var violations = new List<string>();
        AutoScalingGroupInfo after = await DemoScene.DescribeGroupAsync(aws, CancellationToken.None);
        if (after.DesiredCapacity != before.DesiredCapacity)
        {
            violations.Add($"desired capacity {before.DesiredCapacity} -> {after.DesiredCapacity}");
        }

        DescribeInstancesResponse all = await aws.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest());
        int successors = all.Reservations.SelectMany(r => r.Instances)
            .Count(i => i.State.Name != "terminated" && i.Tags?.Any(t => t.Key == "spotmax:replaces" && t.Value == doomedId) == true);
        if (successors > 1)
        {
            violations.Add($"{successors} successors launched for {doomedId}");
        }

        DescribeVolumesResponse volumes = await aws.Ec2.DescribeVolumesAsync(new DescribeVolumesRequest { VolumeIds = [volumeId] });
        Amazon.EC2.Model.Volume? volume = volumes.Volumes.SingleOrDefault();
        if (volume is null)
        {
            violations.Add($"data volume {volumeId} deleted");
        }
        else
        {
            bool attachedToLiveGroupMember = volume.Attachments?.Count == 1 && after.Instances.Any(i => i.InstanceId == volume.Attachments[0].InstanceId);
            bool pending = volume.Tags?.Any(t => t.Key == "spotmax:status" && t.Value is "pending" or "attaching") == true && (volume.Attachments?.Count ?? 0) == 0;
            if (!attachedToLiveGroupMember && !pending)
            {
                violations.Add($"data volume {volumeId} neither on a group member nor tagged pending (state {volume.State}, {volume.Attachments?.Count ?? 0} attachments)");
            }
        }

        using var ledgerHost = new LocalFunctionHost(new InvocationOptions(), new LogSink(Stream.Null));
        InterruptionRecord? record = await ledgerHost.Root.Dispatch.Ledger.GetAsync(doomedId, CancellationToken.None);
        if (record is not null)
        {
            foreach (StepRecord step in record.Steps)
            {
                if (step.Status is StepStatus.Pending or StepStatus.Running)
                {
                    violations.Add($"step {step.Name} left {step.Status}");
                }
                else if (step.Status is StepStatus.Failed or StepStatus.Skipped && string.IsNullOrWhiteSpace(step.Reason))
                {
                    violations.Add($"step {step.Name} {step.Status} without a reason");
                }
            }
        }

        return violations;
    }

    private static string Brief(string label, InvocationResult result) =>
        result.Succeeded ? $"{label}: ok" : $"{label}: failed ({result.Error.ErrorType})";


    private sealed record DrillRun(int Calls, int Faults, string Outcome, List<string> Violations);
}
