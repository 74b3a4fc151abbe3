using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Steps.Volume;

/// <summary>
/// Reads one volume, and waits in-process (at most <see cref="VolumeMoverOptions.MaxWait"/>) for it to reach a state:
/// the look every part of the move takes before it decides.
/// </summary>
internal sealed class VolumeReader(IVolumeApi ec2, TimeProvider clock, VolumeMoverOptions options)
{
    public async Task<VolumeInfo?> DescribeVolumeAsync(string volumeId, CancellationToken cancellationToken)
    {
        IReadOnlyList<VolumeInfo> found = await ec2.DescribeVolumesAsync(new VolumeFilter { VolumeIds = [volumeId] }, cancellationToken);
        return found.FirstOrDefault(v => v.VolumeId == volumeId);
    }

    public async Task<VolumeInfo?> WaitForVolumeAsync(string volumeId, Func<VolumeInfo, bool> done, CancellationToken cancellationToken)
    {
        DateTimeOffset until = clock.GetUtcNow() + options.MaxWait;
        while (true)
        {
            VolumeInfo? volume = await DescribeVolumeAsync(volumeId, cancellationToken);
            if (volume is null || done(volume) || clock.GetUtcNow() + options.PollInterval > until)
            {
                return volume;
            }

            await Task.Delay(options.PollInterval, clock, cancellationToken);
        }
    }

    public async Task<EbsSnapshotInfo?> WaitForSnapshotAsync(string snapshotId, CancellationToken cancellationToken)
    {
        DateTimeOffset until = clock.GetUtcNow() + options.MaxWait;
        while (true)
        {
            IReadOnlyList<EbsSnapshotInfo> found = await ec2.DescribeSnapshotsAsync(new SnapshotFilter { SnapshotIds = [snapshotId] }, cancellationToken);
            EbsSnapshotInfo? snapshot = found.FirstOrDefault();
            if (snapshot is null || snapshot.State != "pending" || clock.GetUtcNow() + options.PollInterval > until)
            {
                return snapshot;
            }

            await Task.Delay(options.PollInterval, clock, cancellationToken);
        }
    }
}
