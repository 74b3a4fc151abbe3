using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Drain;

/// <summary>
/// After termination (issue #22): a state change saying an instance of a drained group is <c>terminated</c> sends its
/// Node the group's <c>k8s_node_after_termination</c> action. This resolves the group (the hand-over's ledger record,
/// else DescribeInstances' tags, which EC2 keeps for a while after termination) and its config, and hands the request
/// to the runner (the drain function in Lambda). It never throws but for cancellation: the state change's other work
/// (the resume, the volume triggers) must not depend on it.
/// </summary>
/// <remarks>
/// Only <c>terminated</c> is acted on. <c>shutting-down</c> is not: the out-of-service taint tells Kubernetes the node
/// is powered off, and while shutting down the kubelet and the pods' processes may still be running and writing to the
/// volumes that the taint would have detached. The state change for <c>terminated</c> follows within a minute or two.
/// </remarks>
public sealed class TerminatedNodeTrigger(
    IInstanceInventory inventory, IGroupConfigSource configs, ILedger ledger, ITerminatedNodeRunner runner, ILogger logger, bool forceDryRun = false)
{
    /// <summary>The EC2 state acted on.</summary>
    public const string TerminatedState = "terminated";

    public async Task<StepOutcome> OnStateChangeAsync(MaxGroupEvent.InstanceStateChange stateChange, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stateChange);
        string instanceId = stateChange.Event.Detail.InstanceId;
        try
        {
            (TerminatedNodeRequest? request, string reason) = await ResolveAsync(stateChange, cancellationToken).ConfigureAwait(false);
            if (request is null)
            {
                logger.LogDebug("Node of {InstanceId} after {State}: nothing to do ({Reason})", instanceId, stateChange.Event.Detail.State, reason);
                return StepOutcome.NoOp(reason);
            }

            StepOutcome outcome = await runner.RunAsync(request, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Node of {InstanceId} ({GroupName}) after termination: {Status} {Reason}", instanceId, request.GroupName, outcome.Status, outcome.Reason);
            return outcome;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The Node is then left to the cloud controller, as before this feature; a redelivery tries again.
            logger.LogWarning(ex, "Could not act on the Node of terminated instance {InstanceId}", instanceId);
            return StepOutcome.Failed($"the Node of {instanceId} could not be acted on: {ex.Message}");
        }
    }

    /// <summary>The request to run, or null and why nothing is to be done.</summary>
    public async Task<(TerminatedNodeRequest? Request, string Reason)> ResolveAsync(MaxGroupEvent.InstanceStateChange stateChange, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stateChange);
        InstanceStateChangeDetail detail = stateChange.Event.Detail;
        if (detail.State != TerminatedState)
        {
            return (null, detail.State == "shutting-down"
                ? "shutting-down: the Node is acted on once the instance is terminated (it may still be running)"
                : $"the instance is {detail.State}, not terminated");
        }

        InterruptionRecord? record = await ReadHandoverAsync(detail.InstanceId, cancellationToken).ConfigureAwait(false);
        if (record?.FindStep(StepNames.NodeAfterTermination) is { Status: StepStatus.Done } done)
        {
            // A redelivered state change: the first delivery acted.
            return (null, $"already done: {done.Reason}");
        }

        InstanceFacts? facts = await DescribeAsync(detail.InstanceId, cancellationToken).ConfigureAwait(false);
        string? groupName = record?.GroupName ?? facts?.GroupName;
        if (groupName is null)
        {
            // Without the group there is no config: whether it drains, which cluster, which action. The cloud controller
            // still removes the Node in time; MaxGroup does not act on a cluster it cannot tell is a managed group's.
            return (null, "neither the ledger nor EC2 knows the instance's group: its Node is left to the cloud controller");
        }

        GroupConfigLookup lookup = await configs.GetAsync(groupName, cancellationToken).ConfigureAwait(false);
        if (!lookup.Managed || lookup.Config is null)
        {
            return (null, $"group {groupName} is not managed: {lookup.Reason}");
        }

        GroupConfig config = lookup.Config;
        if (!config.HasDrainStep)
        {
            return (null, $"k8s_node_drain_option is off for group {groupName}");
        }

        if (config.K8sNodeAfterTermination == NodeAfterTermination.None)
        {
            return (null, $"k8s_node_after_termination is none for group {groupName}");
        }

        return (new TerminatedNodeRequest
        {
            InstanceId = detail.InstanceId,
            State = detail.State,
            EventId = stateChange.Event.Id,
            GroupName = groupName,
            AvailabilityZone = facts?.AvailabilityZone,
            Config = config,
            DryRun = forceDryRun || config.DryRun || record?.DryRun == true,
            HasHandover = record is not null,
        }, "resolved");
    }

    private async Task<InterruptionRecord?> ReadHandoverAsync(string instanceId, CancellationToken cancellationToken)
    {
        try
        {
            return await ledger.GetAsync(instanceId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // EC2's tags may still name the group; the outcome then misses only its line on the timeline.
            logger.LogWarning(ex, "Could not read the hand-over of terminated instance {InstanceId}", instanceId);
            return null;
        }
    }

    private async Task<InstanceFacts?> DescribeAsync(string instanceId, CancellationToken cancellationToken)
    {
        try
        {
            return await inventory.DescribeInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The ledger's group name (when there is a record) is enough; the zone only narrows the node search.
            logger.LogWarning(ex, "Could not describe terminated instance {InstanceId}", instanceId);
            return null;
        }
    }
}
