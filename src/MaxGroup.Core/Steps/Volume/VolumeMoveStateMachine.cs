using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Volume;

/// <summary>
/// One volume move, resumed from its tags and taken as far as it can go now: pending (wait for the source to release
/// the volume, detach it from a stopped one) → a successor chosen → attaching (same zone) or copying (another zone,
/// <see cref="CrossZoneCopier"/>) under a claim → attached or source-kept. Every stage re-reads before it writes,
/// so duplicated, reordered or interrupted triggers converge on one target; a volume attached to an instance that
/// is neither its source nor a successor MaxGroup chose is left alone.
/// </summary>
internal sealed class VolumeMoveStateMachine(IVolumeApi ec2, VolumeReader reader, VolumeTagWriter tags, SuccessorChooser chooser, CrossZoneCopier copier, ILogger logger)
{
    private const string OutOfTime = "out of time in this invocation; the next trigger or the sweep resumes the move";

    /// <summary>Advances one move; an EC2 error or the end of the invocation's time leaves it open (and says so) rather than throwing.</summary>
    public async Task<VolumeMoveResult> AdvanceAsync(string volumeId, string? recordedSuccessor, string? launchedInstance, CancellationToken cancellationToken)
    {
        VolumeInfo? volume;
        try
        {
            volume = await reader.DescribeVolumeAsync(volumeId, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new VolumeMoveResult(volumeId, null, StepOutcome.Waiting(OutOfTime));
        }

        if (volume is null)
        {
            return new VolumeMoveResult(volumeId, null, StepOutcome.Failed($"volume {volumeId} not found"));
        }

        VolumeMigration? migration = VolumeMigration.FromVolume(volume);
        if (migration is null)
        {
            return new VolumeMoveResult(volumeId, null, StepOutcome.NoOp($"{volumeId} carries no MaxGroup move"));
        }

        try
        {
            StepOutcome outcome = await AdvanceCoreAsync(volume, migration, recordedSuccessor, launchedInstance, cancellationToken);
            if (outcome.Status == StepStatus.Failed)
            {
                await tags.TryRecordLastErrorAsync(volumeId, outcome.Reason ?? "failed", cancellationToken);
            }

            return new VolumeMoveResult(volumeId, migration.GroupName, outcome) { SourceInstanceId = migration.SourceInstanceId };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new VolumeMoveResult(volumeId, migration.GroupName, StepOutcome.Waiting(OutOfTime)) { SourceInstanceId = migration.SourceInstanceId };
        }
        catch (RemoteApiException ex)
        {
            logger.LogError(ex, "Volume move of {VolumeId} stopped on an EC2 error", volumeId);
            await tags.TryRecordLastErrorAsync(volumeId, ex.ErrorCode + ": " + ex.Message, cancellationToken);
            return new VolumeMoveResult(volumeId, migration.GroupName, StepOutcome.Failed($"{ex.ErrorCode}: {ex.Message}; the move stays open and resumes on the next trigger")) { SourceInstanceId = migration.SourceInstanceId };
        }
    }

    /// <summary>Advances each move in turn (one volume's failure does not stop the others).</summary>
    public async Task<IReadOnlyList<VolumeMoveResult>> AdvanceEachAsync(IReadOnlyList<string> volumeIds, string? recordedSuccessor, string? launchedInstance, CancellationToken cancellationToken)
    {
        var results = new List<VolumeMoveResult>();
        foreach (string volumeId in volumeIds)
        {
            results.Add(await AdvanceAsync(volumeId, recordedSuccessor, launchedInstance, cancellationToken));
        }

        return results;
    }

    private async Task<StepOutcome> AdvanceCoreAsync(VolumeInfo volume, VolumeMigration migration, string? recordedSuccessor, string? launchedInstance, CancellationToken cancellationToken)
    {
        var details = new Dictionary<string, string> { ["volume"] = volume.VolumeId, ["status"] = migration.Status };
        switch (migration.Status)
        {
            case VolumeTags.Statuses.SourceKept:
                details["copy_volume"] = migration.CopyVolumeId ?? "";
                return StepOutcome.Done($"{volume.VolumeId} was copied to {migration.CopyVolumeId} for {migration.TargetInstance}; the original is kept", details);
            case VolumeTags.Statuses.Attached:
                if (volume.State != "available")
                {
                    details["successor"] = migration.TargetInstance ?? "";
                    return StepOutcome.Done($"{volume.VolumeId} is attached to {migration.TargetInstance} as {migration.AttachAs}", details);
                }

                // Marked attached but free again: the attach did not hold. Reopen rather than lose track of it.
                await tags.ReopenAsync(volume.VolumeId, cancellationToken);
                migration = migration with { Status = VolumeTags.Statuses.Pending, TargetInstance = null, Claim = null };
                break;
        }

        // 1. The volume must be free: released by the terminated instance, or detached from the stopped one.
        VolumeAttachmentInfo? attachment = volume.Attachments.FirstOrDefault();
        if (volume.State == "in-use" && attachment is not null)
        {
            if (attachment.InstanceId == migration.TargetInstance && DeviceNames.Same(attachment.Device, migration.AttachAs))
            {
                await tags.SetStatusAsync(volume.VolumeId, VolumeTags.Statuses.Attached, migration.TargetInstance, migration.Claim ?? "", cancellationToken);
                details["successor"] = attachment.InstanceId;
                return StepOutcome.Done($"{volume.VolumeId} is attached to {attachment.InstanceId} as {migration.AttachAs}", details);
            }

            if (attachment.InstanceId != migration.SourceInstanceId && DeviceNames.Same(attachment.Device, migration.AttachAs)
                && await ec2.DescribeInstanceAsync(attachment.InstanceId, cancellationToken) is { } holder && holder.GroupName == migration.GroupName)
            {
                // Two racing triggers (tags are eventually consistent): the other one's attach won. Adopt it.
                await tags.SetStatusAsync(volume.VolumeId, VolumeTags.Statuses.Attached, attachment.InstanceId, "", cancellationToken);
                details["successor"] = attachment.InstanceId;
                return StepOutcome.Done($"{volume.VolumeId} is attached to {attachment.InstanceId} as {migration.AttachAs}", details);
            }

            if (attachment.InstanceId != migration.SourceInstanceId)
            {
                return StepOutcome.Failed($"{volume.VolumeId} is attached to {attachment.InstanceId}, which is neither its source {migration.SourceInstanceId} nor a successor MaxGroup chose; left alone", details);
            }

            VolumeInfo? released = await ReleaseFromSourceAsync(volume, migration, attachment, cancellationToken);
            if (released is null || released.State != "available")
            {
                InstanceFacts? source = await ec2.DescribeInstanceAsync(migration.SourceInstanceId, cancellationToken);
                return StepOutcome.Waiting($"{volume.VolumeId} is still attached to {migration.SourceInstanceId} ({source?.State ?? "unknown"}); waiting for it to be released", details);
            }

            volume = released;
        }
        else if (volume.State != "available")
        {
            return StepOutcome.Waiting($"{volume.VolumeId} is {volume.State}", details);
        }

        // 2. A successor: recorded by the replace step, else a running group instance in the volume's AZ launched after the source left.
        SuccessorChoice choice = await chooser.ChooseAsync(volume, migration, recordedSuccessor, launchedInstance, cancellationToken);
        if (choice.Target is null)
        {
            string reason = choice.Rejections.Count == 0
                ? $"no running instance of {migration.GroupName} in {volume.AvailabilityZone} yet; the next instance launched there takes it"
                : "no successor yet: " + string.Join("; ", choice.Rejections.Select(r => r.Message));
            return choice.NeedsOperator ? StepOutcome.Failed(reason, details) : StepOutcome.Waiting(reason, details);
        }

        details["successor"] = choice.Target.InstanceId;
        return choice.Target.AvailabilityZone == volume.AvailabilityZone
            ? await AttachSameZoneAsync(volume, migration, choice.Target, choice.Members, details, cancellationToken)
            : await copier.CopyAsync(volume, migration, choice.Target, choice.Members, details, cancellationToken);
    }

    private async Task<VolumeInfo?> ReleaseFromSourceAsync(VolumeInfo volume, VolumeMigration migration, VolumeAttachmentInfo attachment, CancellationToken cancellationToken)
    {
        InstanceFacts? source = await ec2.DescribeInstanceAsync(migration.SourceInstanceId, cancellationToken);
        if (source is not null && source.State == "stopped" && attachment.State == "attached")
        {
            // A stopped (or hibernated) instance keeps its volumes; detach it, never with Force: the file system
            // was cleanly unmounted by the stop, and Force risks the very data this step exists to keep.
            logger.LogInformation("Detaching {VolumeId} from stopped {InstanceId}", volume.VolumeId, source.InstanceId);
            await ec2.DetachVolumeAsync(volume.VolumeId, source.InstanceId, cancellationToken);
        }
        else if (source is not null && source.State != "stopped" && !source.IsGone)
        {
            return volume;
        }

        return await reader.WaitForVolumeAsync(volume.VolumeId, v => v.State == "available", cancellationToken);
    }

    private async Task<StepOutcome> AttachSameZoneAsync(VolumeInfo volume, VolumeMigration migration, InstanceFacts target, IReadOnlyList<AutoScalingInstanceInfo>? members, Dictionary<string, string> details, CancellationToken cancellationToken)
    {
        if (!await tags.ClaimAsync(volume.VolumeId, VolumeTags.Statuses.Attaching, target.InstanceId, cancellationToken))
        {
            return StepOutcome.Waiting($"another trigger claimed {volume.VolumeId}; it completes the move", details);
        }

        // Re-check after the claim: the target may have been taken by another volume in the meantime.
        SuccessorRejection? why = await chooser.RecheckAfterClaimAsync(target, volume, migration, members, cancellationToken);
        if (why is not null)
        {
            await tags.ReopenAsync(volume.VolumeId, cancellationToken);
            return why.NeedsOperator ? StepOutcome.Failed(why.Message, details) : StepOutcome.Waiting(why.Message, details);
        }

        logger.LogInformation("Attaching {VolumeId} to successor {InstanceId} as {Device}", volume.VolumeId, target.InstanceId, migration.AttachAs);
        try
        {
            await ec2.AttachVolumeAsync(volume.VolumeId, target.InstanceId, migration.AttachAs, cancellationToken);
        }
        catch (RemoteApiException ex)
        {
            // The read-back decides, not the error: an attach whose answer was lost may have been applied.
            VolumeInfo? now = await reader.DescribeVolumeAsync(volume.VolumeId, cancellationToken);
            if (now?.Attachments.Any(a => a.InstanceId == target.InstanceId) != true)
            {
                // Reopen only a volume that is still free: one attached elsewhere belongs to whoever attached it.
                if (now is { State: "available" })
                {
                    await tags.ReopenAsync(volume.VolumeId, cancellationToken);
                }

                SuccessorRejection refused = AttachErrors.ToRejection(ex, volume.VolumeId, target.InstanceId, migration.AttachAs);
                logger.LogWarning("EC2 refused to attach {VolumeId} to {InstanceId}: {Refusal} ({ErrorCode})", volume.VolumeId, target.InstanceId, refused.Kind, ex.ErrorCode);
                return StepOutcome.Failed(refused.Message, details);
            }
        }

        await tags.SetStatusAsync(volume.VolumeId, VolumeTags.Statuses.Attached, target.InstanceId, null, cancellationToken);
        logger.LogInformation("Persistent volume {VolumeId} moved to {InstanceId} as {Device}", volume.VolumeId, target.InstanceId, migration.AttachAs);
        return StepOutcome.Done($"{volume.VolumeId} attached to {target.InstanceId} as {migration.AttachAs}", details);
    }
}
