using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Steps.Capacity;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Replace;

/// <summary>
/// An AWS Health scheduled retirement (launch strategy): once the successor is attached, the retiring instance leaves
/// through TerminateInstanceInAutoScalingGroup with decrement rather than a detach, so it is gone before the start time
/// and its data volume moves to the successor then (the terminated state change resumes the move), not at AWS's own
/// retirement days later. A scheduled stop or reboot of a group with a data volume leaves the same way: detached, the
/// instance would keep the volume until AWS stops it at the start (a reboot never releases it), and the successor would
/// run without its data; without a data volume a stopped or rebooted instance is detached and left running, yours to
/// inspect or terminate. Through Auto Scaling, not EC2: the group is where the managed-tag permission holds (a detached
/// instance loses its aws:autoscaling:groupName tag), and the capacity ends as a detach with decrement leaves it.
/// </summary>
public sealed partial class ReplaceStep
{
    /// <summary>Details key naming the instance the step terminated.</summary>
    public const string TerminatedDetail = "terminated";

    /// <summary>A scheduled change whose instance leaves terminated (also when queued or resumed: the action travels with it).</summary>
    private static bool IsRetirement(RemediationRequest request) => request.InstanceAction switch
    {
        InstanceActions.Retire => true,
        InstanceActions.ScheduledStop or InstanceActions.Reboot => request.Config.HasVolumeStep,
        _ => false,
    };

    /// <summary>
    /// Waits (at most <see cref="ReplaceOptions.RetireWaitLimit"/>) for the steps that need the instance alive (drain,
    /// Consul, traffic) to end and for the volume step to have prepared the move (Waiting: its data volume kept and its
    /// move recorded, to be finished once the instance is gone), then terminates it in its group. False when it did not: those steps still ran, or Auto
    /// Scaling refused; the caller then detaches it as on a warning and AWS's retirement takes it at the start time.
    /// </summary>
    private async Task<bool> TerminateRetiringAsync(string groupName, string doomed, CapacityCalls calls, Dictionary<string, string> details, CancellationToken cancellationToken)
    {
        DateTimeOffset giveUpAt = _clock.GetUtcNow() + _options.RetireWaitLimit;
        while (true)
        {
            InterruptionRecord? record = await _ledger.GetAsync(doomed, cancellationToken);
            List<string> alive = record?.Steps
                .Where(s => s.Name is StepNames.Drain or StepNames.Consul or StepNames.Traffic or StepNames.Volume && s.IsOutstanding)
                .Select(s => s.Name)
                .ToList() ?? [];
            if (alive.Count == 0)
            {
                break;
            }

            if (_clock.GetUtcNow() + _options.PollInterval > giveUpAt)
            {
                details["termination"] = $"left to AWS's retirement: {string.Join(", ", alive)} still running after {Seconds(_options.RetireWaitLimit)} s";
                return false;
            }

            await Task.Delay(_options.PollInterval, _clock, cancellationToken);
        }

        // Not idempotent: a repeat after a lost answer (AWS terminated it, the answer never came) finds the instance gone
        // and is refused (ValidationError "Instance Id not found"), which would read as a failed termination and send
        // an already terminating instance to be detached. So it is sent once, and after any failure that might hide
        // success the group is read first: terminating or no longer a member means it took effect.
        bool sent = false;
        try
        {
            await calls.RunAsync(
                async ct =>
                {
                    if (sent && await HasLeftGroupAsync(groupName, doomed, ct))
                    {
                        return;
                    }

                    sent = true;
                    await _autoScaling.TerminateInstanceInAutoScalingGroupAsync(doomed, shouldDecrementDesiredCapacity: true, ct);
                },
                cancellationToken);
        }
        catch (RemoteApiException ex)
        {
            if (sent && await HasLeftGroupAfterFailureAsync(groupName, doomed, cancellationToken))
            {
                _logger.LogInformation("TerminateInstanceInAutoScalingGroup for {InstanceId} answered {ErrorCode}, but it is terminating: taken as done", doomed, ex.ErrorCode);
                details[TerminatedDetail] = doomed;
                return true;
            }

            _logger.LogWarning("Could not terminate retiring {InstanceId} in its group ({ErrorCode}): detaching it instead", doomed, ex.ErrorCode);
            details["termination"] = $"left to AWS's retirement: TerminateInstanceInAutoScalingGroup answered {ex.ErrorCode}";
            return false;
        }

        _logger.LogInformation("Terminated retiring {InstanceId} in its group with decrement: its successor serves instead", doomed);
        details[TerminatedDetail] = doomed;
        return true;
    }

    /// <summary>Whether <paramref name="instanceId"/> is terminating (any Terminating state, a hook's wait included), terminated, or no longer in the group.</summary>
    private async Task<bool> HasLeftGroupAsync(string groupName, string instanceId, CancellationToken cancellationToken)
    {
        AutoScalingGroupInfo? group = await _autoScaling.DescribeGroupAsync(groupName, cancellationToken);
        AutoScalingInstanceInfo? member = group?.Instances.FirstOrDefault(i => i.InstanceId == instanceId);
        return group is not null
            && (member is null || member.LifecycleState?.StartsWith("Terminat", StringComparison.Ordinal) == true);
    }

    /// <summary><see cref="HasLeftGroupAsync"/> once more after the call's last failure; a failed read leaves the failure standing.</summary>
    private async Task<bool> HasLeftGroupAfterFailureAsync(string groupName, string instanceId, CancellationToken cancellationToken)
    {
        try
        {
            return await HasLeftGroupAsync(groupName, instanceId, cancellationToken);
        }
        catch (RemoteApiException ex)
        {
            _logger.LogWarning("Could not read group {GroupName} after a failed termination of {InstanceId} ({ErrorCode})", groupName, instanceId, ex.ErrorCode);
            return false;
        }
    }
}
