using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Volume;

/// <summary>
/// The interruption warning's part of a move: find the data volume (in the facts, a fresh look, or the one the
/// dispatcher kept and recorded), turn DeleteOnTermination off and read it back, tag the move, then look once.
/// </summary>
internal sealed class VolumeMovePreparation(IVolumeApi ec2, VolumeReader reader, VolumeTagWriter tags, VolumeMoveStateMachine moves, ILogger logger)
{
    /// <param name="request">The hand-over's volume request.</param>
    /// <param name="tagged">Called once the move is on the volume's tags; null: not wanted.</param>
    /// <param name="cancellationToken">The step's time.</param>
    public async Task<StepOutcome> PrepareAsync(RemediationRequest request, Action? tagged, CancellationToken cancellationToken)
    {
        GroupConfig config = request.Config;
        InstanceFacts instance = request.Instance;
        if (config.PersistenceDev is null)
        {
            return StepOutcome.NoOp("persistence_dev is not set for this group");
        }

        string groupName = !string.IsNullOrEmpty(config.GroupName) ? config.GroupName : instance.GroupName ?? "";
        BlockDeviceFact? device = DataVolumeGuard.Find(instance.BlockDevices, config);
        if (device is null)
        {
            // The facts may predate an attach; one fresh look before declaring the device missing.
            InstanceFacts? fresh = await ec2.DescribeInstanceAsync(instance.InstanceId, cancellationToken);
            device = fresh is null ? null : DataVolumeGuard.Find(fresh.BlockDevices, config);
        }

        // A resumed hand-over whose instance has gone: the volume the dispatcher kept and recorded.
        device ??= await RecordedDataVolumeAsync(request.DataVolumeId, config, instance.InstanceId, cancellationToken);

        if (device is null)
        {
            return StepOutcome.Failed(
                $"no EBS volume is attached at {config.PersistenceDev} on {instance.InstanceId}: nothing to move (check persistence_dev and the launch template)",
                new Dictionary<string, string> { ["instance"] = instance.InstanceId, ["persistence_dev"] = config.PersistenceDev });
        }

        var details = new Dictionary<string, string>
        {
            ["volume"] = device.VolumeId,
            ["device"] = device.DeviceName,
            ["attach_as"] = config.PersistenceAttachAs,
            ["cross_az"] = config.PersistenceCrossAz == CrossAzPolicy.Wait ? "wait" : "snapshot",
        };
        if (request.SuccessorInstanceId is not null)
        {
            details["successor"] = request.SuccessorInstanceId;
        }

        if (request.DryRun || config.DryRun)
        {
            logger.LogInformation(
                "Dry run: would set DeleteOnTermination=false on {VolumeId} ({Device}) of {InstanceId}, tag it {Status} and move it to the successor as {AttachAs}",
                device.VolumeId, device.DeviceName, instance.InstanceId, VolumeTags.Statuses.Pending, config.PersistenceAttachAs);
            return new StepOutcome
            {
                Status = StepStatus.NoOp,
                Reason = $"dry run: would keep {device.VolumeId} (DeleteOnTermination=false) and move it to the successor as {config.PersistenceAttachAs}",
                Details = details,
            };
        }

        // First, before anything else can use up the two minutes: the volume must survive the termination.
        // Always set (the facts may be seconds old) and always read back.
        RemoteApiException? modifyError = null;
        try
        {
            await ec2.SetDeleteOnTerminationAsync(instance.InstanceId, device.DeviceName, false, cancellationToken);
        }
        catch (RemoteApiException ex)
        {
            // A late or duplicate warning may find the instance already gone; the read-back decides.
            modifyError = ex;
        }

        InstanceFacts? after = await ec2.DescribeInstanceAsync(instance.InstanceId, cancellationToken);
        BlockDeviceFact? check = after?.BlockDevices.FirstOrDefault(b => b.VolumeId == device.VolumeId);
        if (check is null)
        {
            VolumeInfo? survivor = await reader.DescribeVolumeAsync(device.VolumeId, cancellationToken);
            if (survivor is null || survivor.State is "deleting" or "deleted")
            {
                return StepOutcome.Failed($"{device.VolumeId} is gone: the instance was reclaimed before DeleteOnTermination could be turned off ({modifyError?.Message ?? "no error"})", details);
            }
        }
        else if (check.DeleteOnTermination)
        {
            return StepOutcome.Failed($"DeleteOnTermination of {device.VolumeId} is still true after ModifyInstanceAttribute ({modifyError?.Message ?? "no error"})", details);
        }

        await tags.TagForMoveAsync(request, groupName, device, cancellationToken);
        tagged?.Invoke();
        logger.LogInformation("Has persistence volume. {VolumeId} kept (DeleteOnTermination=false) and tagged {Status}", device.VolumeId, VolumeTags.Statuses.Pending);

        // One look now: a late warning may find the instance already gone and the successor running.
        VolumeMoveResult result = await moves.AdvanceAsync(device.VolumeId, request.SuccessorInstanceId, null, cancellationToken);
        var merged = new Dictionary<string, string>(details);
        foreach (KeyValuePair<string, string> pair in result.Outcome.Details)
        {
            merged[pair.Key] = pair.Value;
        }

        return result.Outcome.Status switch
        {
            StepStatus.Done or StepStatus.Failed => result.Outcome with { Details = merged },
            _ => StepOutcome.Waiting($"{device.VolumeId} kept (DeleteOnTermination=false), move pending: {result.Outcome.Reason}", merged),
        };
    }

    /// <summary>
    /// The volume the dispatcher kept before the begin (the ledger's volume id), as the device it was at: a resumed step
    /// whose instance is gone no longer sees it among the instance's block devices.
    /// </summary>
    private async Task<BlockDeviceFact?> RecordedDataVolumeAsync(string? volumeId, GroupConfig config, string instanceId, CancellationToken cancellationToken)
    {
        if (volumeId is null || await reader.DescribeVolumeAsync(volumeId, cancellationToken) is not { } volume || volume.State is "deleting" or "deleted")
        {
            return null;
        }

        VolumeAttachmentInfo? attachment = volume.Attachments.FirstOrDefault(a => a.InstanceId == instanceId);
        string device = attachment?.Device
            ?? (volume.Tags.TryGetValue(VolumeTags.SourceDevice, out string? tagged) && tagged.Length > 0 ? tagged : config.PersistenceDev!);
        return new BlockDeviceFact(device, volume.VolumeId, DeleteOnTermination: false);
    }
}
