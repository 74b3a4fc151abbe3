using System.CommandLine;
using System.Globalization;
using MaxGroup.Aws;
using MaxGroup.Aws.Config;
using MaxGroup.Aws.Ec2;
using MaxGroup.Aws.Ledger;
using MaxGroup.Core.Config;
using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Events;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Routing;
using MaxGroup.Core.Steps.Consul;
using MaxGroup.Core.Steps.Drain;
using MaxGroup.Core.Steps.Replace;
using MaxGroup.Core.Steps.Volume;
using MaxGroup.Functions.Wiring;
using Microsoft.Extensions.Logging.Abstractions;

namespace MaxGroup.Cli.Commands;

/// <summary>
/// `maxgroup plan --instance ID | --event FILE`: what MaxGroup would do now for one instance, read from whatever
/// AWS_ENDPOINT_URL names (or AWS). Read-only by construction: every client it holds refuses mutating calls.
/// </summary>
public static class PlanCommand
{
    public static Command Create()
    {
        var instance = new Option<string>("--instance", "-i") { Description = "the instance id to plan for (as if its warning arrived now)" };
        var eventFile = new Option<FileInfo>("--event", "-e") { Description = "a Spot Instance Interruption Warning JSON file: plan for its instance and deadline" };
        var command = new Command("plan", "print what MaxGroup would do now for an instance, changing nothing");
        command.Options.Add(instance);
        command.Options.Add(eventFile);
        command.Validators.Add(result =>
        {
            bool hasInstance = result.GetResult(instance) is not null;
            bool hasEvent = result.GetResult(eventFile) is not null;
            if (hasInstance == hasEvent)
            {
                result.AddError("give exactly one of --instance or --event");
            }
        });
        command.SetAction((parsed, cancellationToken) => RunAsync(
            parsed.GetValue(instance),
            parsed.GetValue(eventFile),
            Environment.GetEnvironmentVariable,
            TimeProvider.System,
            parsed.InvocationConfiguration.Output,
            parsed.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    public static async Task<int> RunAsync(
        string? instanceId,
        FileInfo? eventFile,
        Func<string, string?> getVariable,
        TimeProvider time,
        TextWriter output,
        TextWriter error,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        ReclaimDeadline deadline = ReclaimDeadline.FromWarning(time.GetUtcNow());
        string action = "terminate";
        if (eventFile is not null)
        {
            MaxGroupEvent.SpotInterruption? warning;
            try
            {
                string json = await File.ReadAllTextAsync(eventFile.FullName, cancellationToken).ConfigureAwait(false);
                warning = EventParser.Parse(json) as MaxGroupEvent.SpotInterruption;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or EventParseException)
            {
                await error.WriteLineAsync(CliErrors.Format($"cannot use event file {eventFile.FullName}: {ex.Message}")).ConfigureAwait(false);
                return CliErrors.UsageExitCode;
            }

            if (warning is null)
            {
                await error.WriteLineAsync(CliErrors.Format($"{eventFile.FullName} is not an EC2 Spot Instance Interruption Warning: plan only answers for warnings")).ConfigureAwait(false);
                return CliErrors.UsageExitCode;
            }

            instanceId = warning.Event.Detail.InstanceId;
            deadline = ReclaimDeadline.FromWarning(warning.Time);
            action = warning.Event.Detail.InstanceAction.ToString().ToLowerInvariant();
        }

        GroupConfigOptions configOptions;
        try
        {
            configOptions = GroupConfigOptions.FromEnvironment(getVariable);
        }
        catch (InvalidOperationException ex)
        {
            await error.WriteLineAsync(CliErrors.Format(ex.Message)).ConfigureAwait(false);
            return CliErrors.UsageExitCode;
        }

        using var aws = new AwsClientFactory(new AwsEnvironment(getVariable), time);
        var plan = new PlanWriter(output);
        try
        {
            // Every client below is read-only: the SDK clients refuse non-read operations before marshalling, the
            // AutoScaling port refuses its mutating methods, and nothing here holds a Lambda, SSM or Kubernetes client.
            var autoScaling = new ReadOnlyAutoScalingApi(aws.AutoScaling);
            var inventory = new Ec2InstanceInventory(ReadOnlySdkGuard.Guard(aws.Ec2));
            InstanceFacts? facts = await inventory.DescribeInstanceAsync(instanceId!, cancellationToken).ConfigureAwait(false);
            if (facts is null)
            {
                await error.WriteLineAsync(CliErrors.Format($"instance {instanceId} not found (EC2 DescribeInstances does not know it)")).ConfigureAwait(false);
                return CliErrors.FailureExitCode;
            }

            await plan.HeaderAsync(facts, deadline, action, time).ConfigureAwait(false);
            if (facts.IsGone)
            {
                await plan.LineAsync("verdict", $"nothing: the instance is {facts.State}").ConfigureAwait(false);
                return 0;
            }

            if (facts.GroupName is null)
            {
                await plan.LineAsync("verdict", "nothing: the instance is in no Auto Scaling group (no aws:autoscaling:groupName tag)").ConfigureAwait(false);
                return 0;
            }

            var provider = new GroupConfigProvider(
                new S3ConfigObjectStore(ReadOnlySdkGuard.Guard(aws.S3), configOptions.Bucket),
                autoScaling,
                configOptions,
                time,
                NullLogger.Instance,
                NullMetrics.Instance);
            ConfigLookup lookup = await provider.GetAsync(facts.GroupName, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync("config").ConfigureAwait(false);
            await ConfigCommand.WriteLookupAsync(facts.GroupName, lookup, configOptions, tagsRead: true, output, indent: "  ").ConfigureAwait(false);
            if (!lookup.Managed)
            {
                await plan.LineAsync("verdict", $"nothing: group {facts.GroupName} is {ConfigCommand.Verdict(lookup)}").ConfigureAwait(false);
                return lookup.Reason is ConfigLookupReason.Invalid or ConfigLookupReason.SourceUnavailable ? CliErrors.FailureExitCode : 0;
            }

            GroupConfig config = lookup.Config;
            bool forcedDry = DispatcherOptions.FromEnvironment(getVariable).ForceDryRun;
            await plan.LineAsync("dry run", config.DryRun ? "yes (the group's dry_run)" : forcedDry ? "yes (MAXGROUP_DRY_RUN)" : "no").ConfigureAwait(false);
            if (deadline.HasPassed(time))
            {
                await plan.LineAsync("deadline", $"reclaim time {Format(deadline.ReclaimAt)} has passed: every step would skip").ConfigureAwait(false);
            }

            IReadOnlyList<string> steps = StepPlan.For(config);
            await plan.LineAsync("steps", string.Join(", ", steps) + " (started in parallel by the dispatcher)").ConfigureAwait(false);

            AutoScalingGroupInfo? group = await autoScaling.DescribeGroupAsync(facts.GroupName, cancellationToken).ConfigureAwait(false);
            await plan.ReplaceAsync(facts, group, config).ConfigureAwait(false);
            await plan.VolumeAsync(facts, config).ConfigureAwait(false);
            await plan.NodeAsync(facts, config).ConfigureAwait(false);
            await plan.ConsulAsync(facts, config).ConfigureAwait(false);
            if (LifecycleHookAdvice.Describe(config, await autoScaling.DescribeLifecycleHooksAsync(facts.GroupName, cancellationToken).ConfigureAwait(false)) is { } hooks)
            {
                await plan.LineAsync("hook", hooks).ConfigureAwait(false);
            }
            await plan.LedgerAsync(await ReadLedgerAsync(aws, getVariable, facts.InstanceId, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            await output.WriteLineAsync("read-only: no call that changes anything was made").ConfigureAwait(false);
            return 0;
        }
        catch (ReadOnlyViolationException ex)
        {
            // A bug, never expected: say so rather than hide it.
            await error.WriteLineAsync(CliErrors.Format(ex.Message)).ConfigureAwait(false);
            return CliErrors.FailureExitCode;
        }
        catch (Exception ex) when (ex is RemoteApiException or Amazon.Runtime.AmazonServiceException or HttpRequestException)
        {
            await error.WriteLineAsync(CliErrors.Format($"cannot read AWS: {ex.Message}")).ConfigureAwait(false);
            return CliErrors.FailureExitCode;
        }
    }

    /// <summary>The instance's ledger record, or why it could not be read (a missing table is normal before the first interruption).</summary>
    private static async Task<string> ReadLedgerAsync(AwsClientFactory aws, Func<string, string?> getVariable, string instanceId, CancellationToken cancellationToken)
    {
        string table = FunctionServices.LedgerTableName(getVariable);
        try
        {
            var ledger = new DynamoDbLedger(ReadOnlySdkGuard.Guard(aws.DynamoDb), table);
            InterruptionRecord? record = await ledger.GetAsync(instanceId, cancellationToken).ConfigureAwait(false);
            return record is null
                ? $"no record in {table}: a warning now starts a new interruption"
                : $"{table} already holds interruption of {Format(record.WarningTime)} ({record.Status}): a warning now is a duplicate, completed steps are not redone";
        }
        catch (Exception ex) when (ex is Amazon.Runtime.AmazonServiceException or RemoteApiException or HttpRequestException)
        {
            return $"not read from {table}: {ex.Message}";
        }
    }

    internal static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Aligned `label   text` lines, the same shape for every part of the plan.</summary>
    private sealed class PlanWriter(TextWriter output)
    {
        private const int LabelWidth = 12;

        public Task LineAsync(string label, string text) => output.WriteLineAsync(label.PadRight(LabelWidth) + text);

        public async Task HeaderAsync(InstanceFacts facts, ReclaimDeadline deadline, string action, TimeProvider time)
        {
            await output.WriteLineAsync($"plan for {facts.InstanceId} (read-only)");
            await LineAsync("instance", $"{facts.InstanceType} {facts.Lifecycle} {facts.State} in {facts.AvailabilityZone}"
                + (facts.SubnetId is null ? "" : $" ({facts.SubnetId})")
                + (facts.PrivateIpAddress is null ? "" : $", {facts.PrivateIpAddress}"));
            if (!string.Equals(facts.Lifecycle, "spot", StringComparison.Ordinal))
            {
                await LineAsync("note", "not a Spot instance: AWS sends it no interruption warning");
            }

            await LineAsync("group", facts.GroupName ?? "(none)");
            TimeSpan remaining = deadline.Remaining(time);
            await LineAsync("deadline", $"warning {Format(deadline.WarningTime)}, {action} at {Format(deadline.ReclaimAt)} ({remaining.TotalSeconds:0} s left)");
        }

        public async Task ReplaceAsync(InstanceFacts facts, AutoScalingGroupInfo? group, GroupConfig config)
        {
            if (group is null)
            {
                await LineAsync("replace", $"would fail: Auto Scaling group {facts.GroupName} not found");
                return;
            }

            await LineAsync("group size", $"min {group.MinSize}, desired {group.DesiredCapacity}, max {group.MaxSize}, {group.Instances.Count} instances");
            if (group.CapacityRebalance)
            {
                await LineAsync("warning", ReplacePlan.CapacityRebalanceWarning);
            }

            var replace = ReplacePlan.For(facts, group, config);
            string autoNote = config.ReplacementStrategy == ReplacementStrategy.Auto
                ? " (auto: " + (config.PersistenceDev is null ? "no persistence_dev)" : "persistence_dev set)")
                : "";
            await LineAsync("strategy", replace.StrategyText + autoNote);
            if (!replace.Launches)
            {
                await LineAsync("successor", $"the group launches it: MaxGroup detaches {facts.InstanceId} without decrement");
                return;
            }

            await LineAsync("successor", $"in {replace.Placement} ({facts.AvailabilityZone}, same AZ so the volume can follow)");
            await LineAsync("", "candidates in order: " + (replace.Candidates.Count == 0 ? "(none)" : replace.CandidatesText));
            await LineAsync("", "launch template: " + (replace.TemplateText ?? "(none: the launch would fail)"));
            await LineAsync("", "tags: " + replace.TagsText);
            await LineAsync("", replace.RaisesMaxSize ? $"MaxSize raised {replace.MaxSizeChangeText} to attach it, restored after" : "attached within MaxSize");
        }

        public async Task VolumeAsync(InstanceFacts facts, GroupConfig config)
        {
            if (config.PersistenceDev is null)
            {
                await LineAsync("volume", "off (no persistence_dev)");
                return;
            }

            BlockDeviceFact? device = facts.BlockDevices.FirstOrDefault(d => DeviceNames.Same(d.DeviceName, config.PersistenceDev));
            await LineAsync("volume", device is null
                ? $"{config.PersistenceDev}: no volume attached there; the volume step would find nothing to move"
                : $"{device.VolumeId} at {config.PersistenceDev} moves to the successor as {config.PersistenceAttachAs}"
                    + (device.DeleteOnTermination ? " (DeleteOnTermination is on: it is switched off first)" : ""));
        }

        public async Task NodeAsync(InstanceFacts facts, GroupConfig config)
        {
            if (!config.HasDrainStep)
            {
                await LineAsync("node", "off (k8s_node_drain_option is false)");
                return;
            }

            await LineAsync("node", $"providerID {NodeDrain.ProviderId(facts.AvailabilityZone, facts.InstanceId)}"
                + (facts.PrivateDnsName is { Length: > 0 } dns ? $", else the node named {dns}" : ""));
            await LineAsync("", $"cluster {config.K8sClusterName ?? config.K8sEndpoint ?? "(kubeconfig)"}, grace {config.K8sNodeDrainGraceSecond} s, delay {config.K8sDelayDrainingSecs} s");
            await LineAsync("", "once terminated: " + config.K8sNodeAfterTermination switch
            {
                NodeAfterTermination.Delete => "the Node object is deleted (k8s_node_after_termination)",
                NodeAfterTermination.None => "the Node is left to the cloud controller (k8s_node_after_termination)",
                _ => $"the Node is tainted {TerminatedNodeCleanup.OutOfServiceTaint} (k8s_node_after_termination)",
            });
        }

        public async Task ConsulAsync(InstanceFacts facts, GroupConfig config)
        {
            if (!config.HasConsulStep)
            {
                await LineAsync("consul", "off (no consul_port)");
                return;
            }

            Uri? agent = ConsulAddress.TryBuildAgentUri(config, facts, out string? agentError);
            await LineAsync("consul", agent is null ? $"would fail: {agentError}" : $"agent {agent}");
            Uri? server = ConsulAddress.TryBuildServerUri(config, out string? serverError);
            if (server is not null || serverError is not null)
            {
                await LineAsync("", server is null ? $"server: {serverError}" : $"server {server}");
            }
        }

        public Task LedgerAsync(string text) => LineAsync("ledger", text);
    }
}
