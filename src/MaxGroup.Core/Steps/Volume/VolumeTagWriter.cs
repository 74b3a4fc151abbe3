using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Volume;

/// <summary>
/// Writes a move's state into the volume's tags (<see cref="VolumeTags"/>) and takes claims on it. Every write is a
/// CreateTags, which overwrites: the tags are the move's only record, so each trigger can resume from them.
/// </summary>
internal sealed class VolumeTagWriter(IVolumeApi ec2, VolumeReader reader, TimeProvider clock, ILogger logger)
{
    // EC2 tag values hold at most 256 characters.
    private const int MaxTagValue = 256;

    /// <summary>Tags the volume with a new move of <paramref name="request"/>'s instance, or, for a move already open, only learns a new successor.</summary>
    public async Task TagForMoveAsync(RemediationRequest request, string groupName, BlockDeviceFact device, CancellationToken cancellationToken)
    {
        VolumeInfo? volume = await reader.DescribeVolumeAsync(device.VolumeId, cancellationToken);
        VolumeMigration? existing = volume is null ? null : VolumeMigration.FromVolume(volume);
        if (existing is not null && existing.SourceInstanceId == request.Instance.InstanceId && existing.IsOpen)
        {
            // A duplicate (or the rebalance-then-warning pair): the move is recorded; only learn a new successor.
            if (request.SuccessorInstanceId is not null && existing.Successor != request.SuccessorInstanceId)
            {
                await RecordAsync(device.VolumeId, VolumeTags.Successor, request.SuccessorInstanceId, cancellationToken);
            }

            return;
        }

        // A new move (perhaps of a volume that was moved before): every state tag is rewritten, stale ones emptied.
        var tags = new Dictionary<string, string>
        {
            [VolumeTags.Group] = groupName,
            [VolumeTags.Status] = VolumeTags.Statuses.Pending,
            [VolumeTags.SourceInstance] = request.Instance.InstanceId,
            [VolumeTags.SourceDevice] = device.DeviceName,
            [VolumeTags.AttachAs] = request.Config.PersistenceAttachAs,
            [VolumeTags.CrossAz] = request.Config.PersistenceCrossAz == CrossAzPolicy.Wait ? "wait" : "snapshot",
            [VolumeTags.InstanceAction] = request.InstanceAction,
            [VolumeTags.InterruptionId] = request.EventId,
            [VolumeTags.InterruptionTime] = VolumeMigration.FormatTime(request.WarningTime),
            [VolumeTags.ReclaimAt] = VolumeMigration.FormatTime(request.ReclaimAt),
            [VolumeTags.Successor] = request.SuccessorInstanceId ?? "",
            [VolumeTags.TargetInstance] = "",
            [VolumeTags.Claim] = "",
            [VolumeTags.Snapshot] = "",
            [VolumeTags.CopyVolume] = "",
            [VolumeTags.LastError] = "",
            [VolumeTags.UpdatedAt] = VolumeMigration.FormatTime(clock.GetUtcNow()),
        };
        await ec2.CreateTagsAsync(device.VolumeId, tags, cancellationToken);
    }

    /// <summary>One tag of the move (successor, snapshot, copy volume).</summary>
    public Task RecordAsync(string volumeId, string key, string value, CancellationToken cancellationToken) =>
        ec2.CreateTagsAsync(volumeId, new Dictionary<string, string> { [key] = value }, cancellationToken);

    /// <summary>The move's status (with its target and claim when given); null leaves a tag as it is, "" empties it.</summary>
    public Task SetStatusAsync(string volumeId, string status, string? targetInstanceId, string? claim, CancellationToken cancellationToken) =>
        ec2.CreateTagsAsync(volumeId, StatusTags(status, targetInstanceId, claim), cancellationToken);

    /// <summary>The move goes back to pending: no target, no claim.</summary>
    public Task ReopenAsync(string volumeId, CancellationToken cancellationToken) =>
        SetStatusAsync(volumeId, VolumeTags.Statuses.Pending, "", "", cancellationToken);

    /// <summary>Writes a claim with a fresh token, reads it back, and owns the move only if the token is still ours.</summary>
    public async Task<bool> ClaimAsync(string volumeId, string status, string targetInstanceId, CancellationToken cancellationToken)
    {
        string token = Guid.NewGuid().ToString("N");
        await SetStatusAsync(volumeId, status, targetInstanceId, token, cancellationToken);
        VolumeInfo? back = await reader.DescribeVolumeAsync(volumeId, cancellationToken);
        return back is not null && back.Tags.TryGetValue(VolumeTags.Claim, out string? seen) && seen == token;
    }

    /// <summary>The copy becomes the live volume of the move: it is tagged attached, as a move from the original's source.</summary>
    public Task MarkCopyAttachedAsync(string copyId, VolumeInfo original, VolumeMigration migration, string targetInstanceId, CancellationToken cancellationToken)
    {
        var copyTags = new Dictionary<string, string>
        {
            [VolumeTags.Group] = migration.GroupName,
            [VolumeTags.SourceInstance] = migration.SourceInstanceId,
            [VolumeTags.AttachAs] = migration.AttachAs,
            [VolumeTags.SourceVolume] = original.VolumeId,
            [VolumeTags.Status] = VolumeTags.Statuses.Attached,
            [VolumeTags.TargetInstance] = targetInstanceId,
            [VolumeTags.UpdatedAt] = VolumeMigration.FormatTime(clock.GetUtcNow()),
        };
        return ec2.CreateTagsAsync(copyId, copyTags, cancellationToken);
    }

    /// <summary>Records why the move could not progress; a failure to record it is logged, never thrown.</summary>
    public async Task TryRecordLastErrorAsync(string volumeId, string error, CancellationToken cancellationToken)
    {
        try
        {
            await ec2.CreateTagsAsync(volumeId, new Dictionary<string, string> { [VolumeTags.LastError] = Truncate(error) }, cancellationToken);
        }
        catch (RemoteApiException ex)
        {
            logger.LogWarning(ex, "Could not record the last error on {VolumeId}", volumeId);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private Dictionary<string, string> StatusTags(string status, string? targetInstanceId, string? claim)
    {
        var tags = new Dictionary<string, string>
        {
            [VolumeTags.Status] = status,
            [VolumeTags.UpdatedAt] = VolumeMigration.FormatTime(clock.GetUtcNow()),
        };
        if (targetInstanceId is not null)
        {
            tags[VolumeTags.TargetInstance] = targetInstanceId;
        }

        if (claim is not null)
        {
            tags[VolumeTags.Claim] = claim;
        }

        if (status != VolumeTags.Statuses.Pending)
        {
            tags[VolumeTags.LastError] = "";
        }

        return tags;
    }

    private static string Truncate(string value) => value.Length <= MaxTagValue ? value : value[..MaxTagValue];
}
