using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Volume;

/// <summary>
/// A move to a successor in another Availability Zone: a snapshot of the volume, a copy created from it in the
/// successor's zone with the original's attributes and tags, the copy attached. The original is kept, tagged
/// source-kept, for the user to remove: MaxGroup never deletes it. Each stage is recorded in the original's tags
/// (snapshot, copy volume), or found again by its own tags, so a trigger that dies between stages is resumed.
/// </summary>
internal sealed class CrossZoneCopier(IVolumeApi ec2, VolumeReader reader, VolumeTagWriter tags, SuccessorChooser chooser, ILogger logger)
{
    private readonly VolumeTagWriter _tags = tags;

    public async Task<StepOutcome> CopyAsync(VolumeInfo volume, VolumeMigration migration, InstanceFacts target, IReadOnlyList<AutoScalingInstanceInfo>? members, Dictionary<string, string> details, CancellationToken cancellationToken)
    {
        if (migration.TargetInstance != target.InstanceId || migration.Status != VolumeTags.Statuses.Copying)
        {
            if (!await _tags.ClaimAsync(volume.VolumeId, VolumeTags.Statuses.Copying, target.InstanceId, cancellationToken))
            {
                return StepOutcome.Waiting($"another trigger claimed {volume.VolumeId}; it completes the copy", details);
            }
        }

        // The snapshot: recorded, else found by its tags (a trigger may have died after creating it), else made.
        string snapshotId = migration.SnapshotId ?? await FindOrCreateSnapshotAsync(volume, migration, target, cancellationToken);
        details["snapshot"] = snapshotId;
        EbsSnapshotInfo? snapshot = await reader.WaitForSnapshotAsync(snapshotId, cancellationToken);
        if (snapshot is null || snapshot.State == "error")
        {
            await _tags.RecordAsync(volume.VolumeId, VolumeTags.Snapshot, "", cancellationToken);
            return StepOutcome.Failed($"snapshot {snapshotId} of {volume.VolumeId} {(snapshot is null ? "vanished" : "failed")}; the next trigger takes a new one", details);
        }

        if (snapshot.State != "completed")
        {
            return StepOutcome.Waiting($"snapshot {snapshotId} is {snapshot.State} ({snapshot.Progress ?? "?"})", details);
        }

        // The copy: recorded, else found (same snapshot, same AZ), else created with the original's attributes and tags.
        string? copyId = migration.CopyVolumeId;
        if (copyId is null)
        {
            IReadOnlyList<VolumeInfo> copies = await ec2.DescribeVolumesAsync(
                new VolumeFilter
                {
                    SnapshotId = snapshotId,
                    AvailabilityZone = target.AvailabilityZone,
                    Tags = new Dictionary<string, IReadOnlyList<string>> { [VolumeTags.SourceVolume] = [volume.VolumeId] },
                },
                cancellationToken);
            copyId = copies.FirstOrDefault()?.VolumeId ?? await ec2.CreateVolumeAsync(CopySpec(volume, migration, snapshotId, target), cancellationToken);
            await _tags.RecordAsync(volume.VolumeId, VolumeTags.CopyVolume, copyId, cancellationToken);
        }

        details["copy_volume"] = copyId;
        VolumeInfo? copy = await reader.WaitForVolumeAsync(copyId, v => v.State != "creating", cancellationToken);
        if (copy is null)
        {
            return StepOutcome.Failed($"copy {copyId} of {volume.VolumeId} not found", details);
        }

        if (!copy.Attachments.Any(a => a.InstanceId == target.InstanceId))
        {
            if (copy.State != "available")
            {
                return StepOutcome.Waiting($"copy {copyId} is {copy.State}", details);
            }

            SuccessorRejection? why = await chooser.RecheckAfterClaimAsync(target, volume, migration with { CopyVolumeId = copyId }, members, cancellationToken);
            if (why is not null)
            {
                await _tags.ReopenAsync(volume.VolumeId, cancellationToken);
                return why.NeedsOperator ? StepOutcome.Failed(why.Message, details) : StepOutcome.Waiting(why.Message, details);
            }

            await ec2.AttachVolumeAsync(copyId, target.InstanceId, migration.AttachAs, cancellationToken);
        }

        // The copy becomes the live volume of the move; the original stays, tagged as its source, for the user to remove.
        await _tags.MarkCopyAttachedAsync(copyId, volume, migration, target.InstanceId, cancellationToken);
        await _tags.SetStatusAsync(volume.VolumeId, VolumeTags.Statuses.SourceKept, target.InstanceId, null, cancellationToken);
        logger.LogInformation("Persistent volume {VolumeId} copied to {CopyId} in {Zone} and attached to {InstanceId} as {Device}; original kept",
            volume.VolumeId, copyId, target.AvailabilityZone, target.InstanceId, migration.AttachAs);
        return StepOutcome.Done($"{volume.VolumeId} copied to {copyId} in {target.AvailabilityZone} and attached to {target.InstanceId} as {migration.AttachAs}; original kept", details);
    }

    private async Task<string> FindOrCreateSnapshotAsync(VolumeInfo volume, VolumeMigration migration, InstanceFacts target, CancellationToken cancellationToken)
    {
        string interruption = migration.InterruptionId ?? migration.SourceInstanceId;
        IReadOnlyList<EbsSnapshotInfo> existing = await ec2.DescribeSnapshotsAsync(
            new SnapshotFilter { Tags = new Dictionary<string, IReadOnlyList<string>> { [VolumeTags.SourceVolume] = [volume.VolumeId], [VolumeTags.InterruptionId] = [interruption] } },
            cancellationToken);
        string? snapshotId = existing.FirstOrDefault(s => s.State != "error")?.SnapshotId;
        if (snapshotId is null)
        {
            snapshotId = await ec2.CreateSnapshotAsync(
                volume.VolumeId,
                $"MaxGroup: {volume.VolumeId} of {migration.SourceInstanceId} for {target.InstanceId} in {target.AvailabilityZone}",
                new Dictionary<string, string>
                {
                    [VolumeTags.Group] = migration.GroupName,
                    [VolumeTags.SourceVolume] = volume.VolumeId,
                    [VolumeTags.InterruptionId] = interruption,
                },
                cancellationToken);
            logger.LogInformation("Snapshot {SnapshotId} of {VolumeId} started for a successor in {Zone}", snapshotId, volume.VolumeId, target.AvailabilityZone);
        }

        await _tags.RecordAsync(volume.VolumeId, VolumeTags.Snapshot, snapshotId, cancellationToken);
        return snapshotId;
    }

    private static NewVolumeSpec CopySpec(VolumeInfo volume, VolumeMigration migration, string snapshotId, InstanceFacts target)
    {
        var tags = new Dictionary<string, string>();
        foreach (KeyValuePair<string, string> tag in volume.Tags)
        {
            // aws: tags are reserved; spotmax: tags describe the original's move, not the copy's.
            if (!tag.Key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase) && !tag.Key.StartsWith(VolumeTags.Prefix, StringComparison.Ordinal))
            {
                tags[tag.Key] = tag.Value;
            }
        }

        // No spotmax:status yet: the copy is not a move of its own until it is attached (the sweep must not pick it up).
        tags[VolumeTags.Group] = migration.GroupName;
        tags[VolumeTags.SourceVolume] = volume.VolumeId;
        tags[VolumeTags.TargetInstance] = target.InstanceId;
        return new NewVolumeSpec
        {
            AvailabilityZone = target.AvailabilityZone,
            SnapshotId = snapshotId,
            Size = volume.Size,
            VolumeType = volume.VolumeType,
            Iops = volume.Iops,
            Throughput = volume.Throughput,
            Encrypted = volume.Encrypted,
            KmsKeyId = volume.KmsKeyId,
            Tags = tags,
            ClientToken = $"maxgroup-{snapshotId}-{target.AvailabilityZone}",
        };
    }
}
