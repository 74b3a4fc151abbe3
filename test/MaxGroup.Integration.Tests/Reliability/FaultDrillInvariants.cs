using Amazon.EC2.Model;
using MaxGroup.Core.Steps.Volume;
using MaxGroup.Simulators.Kubernetes;

namespace MaxGroup.Integration.Tests.Reliability;

/// <summary>
/// The drill's invariants, read from moto, the fakes, the lifecycle emulator and the ledger after a run (never from
/// MaxGroup's answers). For every trigger: the data volume never deleted nor on two instances, desired capacity where it
/// began, every step ended with a reason, nothing that needs the instance after the reclaim, the ledger's "done" true in
/// the peers, the hand-over opened by the trigger that came. A scale-in gets no successor, its volume is left pending or
/// picked up by a new member, and its lifecycle action is completed exactly once; the others get at most one successor,
/// holding the volume or the volume tagged pending.
/// </summary>
internal static class FaultDrillInvariants
{
    public static async Task CheckAsync(
        FaultDrillRun run, FaultDrillTrigger trigger, AwsClientFactory aws, AutoScalingGroupInfo before, DateTimeOffset reclaimAt,
        FakeKubeApiServer kube, string nodeName, FakeConsul consul, LifecycleActionEmulator lifecycleActions, string token)
    {
        List<string> violations = run.Violations;
        bool scaleIn = trigger == FaultDrillTrigger.ScaleIn;
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
        if (scaleIn && successors.Count > 0)
        {
            violations.Add($"a scale-in got successors: {string.Join(", ", successors)}");
        }
        else if (successors.Count > 1)
        {
            violations.Add($"{successors.Count} successors launched for {run.InstanceId}: {string.Join(", ", successors)}");
        }

        var ledger = new DynamoDbLedger(aws.DynamoDb, FaultDrillScenario.LedgerTable);
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
            else if (attachedTo.Count == 1 && scaleIn)
            {
                // No successor: the volume is kept for the group's next instance in its zone (the orphan path).
                bool member = after.Instances.Any(i => i.InstanceId == attachedTo[0]) && attachedTo[0] != run.InstanceId;
                run.VolumeOutcome = member ? $"picked up by group member {attachedTo[0]}" : $"on {attachedTo[0]}";
                if (!member)
                {
                    violations.Add($"data volume {run.VolumeId} of a scale-in on {attachedTo[0]}, not a new member of the group");
                }
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

        if (scaleIn)
        {
            // Completed exactly once (a retry after a lost answer is refused by Auto Scaling: that is not a second completion).
            List<EmulatedLifecycleCall> completed = lifecycleActions.Calls.Where(c => c.Action == "CompleteLifecycleAction" && c.Accepted).ToList();
            if (completed.Count != 1 || completed[0].Result != LifecycleHookAction.Continue || completed[0].Token != token)
            {
                violations.Add($"lifecycle action completed {completed.Count} times ({string.Join(", ", completed.Select(c => $"{c.Result} {c.Token}"))}), expected once with CONTINUE");
            }

            if (completed.Count == 0 && lifecycleActions.TimedOut(run.InstanceId))
            {
                violations.Add("the lifecycle action timed out: no heartbeat kept it alive");
            }
        }

        if (record is null)
        {
            violations.Add($"no ledger record for {run.InstanceId}");
            return;
        }

        if (record.Trigger != trigger.Opens)
        {
            violations.Add($"hand-over opened by {record.Trigger.WireName()}, expected {trigger.Opens.WireName()}");
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
            // The lifecycle step ends by completing the action, which is what lets the instance go; the Node's
            // after-termination action is started by the terminated state change.
            bool afterTermination = step.Name == StepNames.Lifecycle || (scaleIn && step.Name == StepNames.NodeAfterTermination);
            if (step.Name != StepNames.Volume && !afterTermination && step.FinishedAt is { } finished && finished > reclaimAt)
            {
                violations.Add($"step {step.Name} finished {(finished - reclaimAt).TotalSeconds:0.0} s after the reclaim time");
            }
        }

        // A scale-in's "reclaim" is its completion, and Auto Scaling terminates the instance right after: the calls for
        // the terminated instance's Node come after its state change, by design, so only the hand-over's own count. The
        // other triggers report the termination before their reclaim time: every late call counts.
        DateTimeOffset lateUntil = scaleIn ? run.TerminatedReportedAt : DateTimeOffset.MaxValue;
        foreach (ProxiedCall late in run.Calls.Where(c => c.Service is "kubernetes" or "consul" && c.Start > reclaimAt && c.Start < lateUntil).Take(3))
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
}
