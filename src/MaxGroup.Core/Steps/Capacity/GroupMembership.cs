using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Capacity;

/// <summary>
/// Moving instances in and out of a group without changing its capacity, for replace and preaction: MaxSize raised
/// by one for an attach to a full group and restored after, attach, detach with or without decrement.
/// </summary>
public sealed class GroupMembership(IAutoScalingApi autoScaling, ILogger logger)
{
    /// <summary>
    /// When the group is full (desired + 1 above MaxSize), raises MaxSize by one so a successor can be attached. The
    /// original is handed to <paramref name="noteOriginalMaxSize"/> before the change, so a crash between the two still
    /// gets MaxSize restored. Returns the original MaxSize when it was raised, null when the group had room.
    /// </summary>
    public async Task<int?> RaiseMaxSizeIfFullAsync(
        AutoScalingGroupInfo group, Func<int, CancellationToken, Task> noteOriginalMaxSize, CapacityCalls calls, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(noteOriginalMaxSize);
        ArgumentNullException.ThrowIfNull(calls);
        if (group.DesiredCapacity + 1 <= group.MaxSize)
        {
            return null;
        }

        await noteOriginalMaxSize(group.MaxSize, cancellationToken);
        await calls.RunAsync(ct => autoScaling.UpdateAutoScalingGroupAsync(group.Name, null, group.MaxSize + 1, ct), cancellationToken);
        return group.MaxSize;
    }

    /// <summary>AttachInstances for one instance: desired capacity rises by one.</summary>
    public Task AttachAsync(string groupName, string instanceId, CapacityCalls calls, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(calls);
        return calls.RunAsync(ct => autoScaling.AttachInstancesAsync(groupName, [instanceId], ct), cancellationToken);
    }

    /// <summary>
    /// Puts MaxSize back to <paramref name="originalMaxSize"/> when it is still raised and desired capacity fits under it
    /// again. Returns whether it was changed.
    /// </summary>
    public async Task<bool> RestoreMaxSizeAsync(string groupName, int originalMaxSize, CapacityCalls calls, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(calls);
        AutoScalingGroupInfo? group = await calls.RunAsync(ct => autoScaling.DescribeGroupAsync(groupName, ct), cancellationToken);
        if (group is null || group.MaxSize <= originalMaxSize || group.DesiredCapacity > originalMaxSize)
        {
            return false;
        }

        await calls.RunAsync(ct => autoScaling.UpdateAutoScalingGroupAsync(groupName, null, originalMaxSize, ct), cancellationToken);
        return true;
    }

    /// <summary>
    /// DetachInstances for one instance as it is: with decrement desired capacity falls by one, without it the group
    /// launches a replacement.
    /// </summary>
    public Task DetachAsync(string groupName, string instanceId, bool decrementDesired, CapacityCalls calls, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(calls);
        return calls.RunAsync(ct => autoScaling.DetachInstancesAsync(groupName, [instanceId], decrementDesired, ct), cancellationToken);
    }

    /// <summary>
    /// Detaches one instance with decrement; when the decrement would go below MinSize, lowers MinSize by one for the
    /// detach and puts it back, so capacity ends where it began without the group launching yet another instance.
    /// Returns the MinSize that was lowered and restored, null when the plain detach went through.
    /// </summary>
    public async Task<int?> DetachWithDecrementAsync(AutoScalingGroupInfo group, string instanceId, CapacityCalls calls, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(calls);
        try
        {
            await DetachAsync(group.Name, instanceId, true, calls, cancellationToken);
            return null;
        }
        catch (RemoteApiException ex) when (IsBelowMinSize(ex))
        {
            logger.LogWarning("Detaching {InstanceId} would go below MinSize {MinSize}: lowering it for the detach", instanceId, group.MinSize);
            await calls.RunAsync(ct => autoScaling.UpdateAutoScalingGroupAsync(group.Name, group.MinSize - 1, null, ct), cancellationToken);
            try
            {
                await DetachAsync(group.Name, instanceId, true, calls, cancellationToken);
            }
            finally
            {
                // Put back even when the run is being cancelled: a lowered MinSize must not outlive the detach.
                await calls.RunAsync(ct => autoScaling.UpdateAutoScalingGroupAsync(group.Name, group.MinSize, null, ct), CancellationToken.None);
            }

            return group.MinSize;
        }
    }

    private static bool IsBelowMinSize(RemoteApiException ex) =>
        ex.ErrorCode == "ValidationError"
        && ex.Message.Contains("min", StringComparison.OrdinalIgnoreCase)
        && ex.Message.Contains("size", StringComparison.OrdinalIgnoreCase);
}
