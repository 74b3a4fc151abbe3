using MaxGroup.Core.Ports;

namespace MaxGroup.Core.Steps.Volume;

/// <summary>
/// Reads one volume, and waits in-process (at most <see cref="VolumeMoverOptions.MaxWait"/>) for it to reach a state:
/// the look every part of the move takes before it decides.
/// </summary>
internal sealed class VolumeReader
{
    private readonly IVolumeApi _ec2;
    private readonly TimeProvider _clock;
    private readonly VolumeMoverOptions _options;

    public VolumeReader(IVolumeApi ec2, TimeProvider clock, VolumeMoverOptions options)
    {
        _ec2 = ec2;
        _clock = clock;
        _options = options;
    }

    public async Task<VolumeInfo?> DescribeVolumeAsync(string volumeId, CancellationToken cancellationToken)
    {
        IReadOnlyList<VolumeInfo> found = await _ec2.DescribeVolumesAsync(new VolumeFilter { VolumeIds = [volumeId] }, cancellationToken);
        return found.FirstOrDefault(v => v.VolumeId == volumeId);
    }

    public async Task<VolumeInfo?> WaitForVolumeAsync(string volumeId, Func<VolumeInfo, bool> done, CancellationToken cancellationToken)
    {
        DateTimeOffset until = _clock.GetUtcNow() + _options.MaxWait;
        while (true)
        {
            VolumeInfo? volume = await DescribeVolumeAsync(volumeId, cancellationToken);
            if (volume is null || done(volume) || _clock.GetUtcNow() + _options.PollInterval > until)
            {
                return volume;
            }

            await Task.Delay(_options.PollInterval, _clock, cancellationToken);
        }
    }

    public async Task<EbsSnapshotInfo?> WaitForSnapshotAsync(string snapshotId, CancellationToken cancellationToken)
    {
        DateTimeOffset until = _clock.GetUtcNow() + _options.MaxWait;
        while (true)
        {
            IReadOnlyList<EbsSnapshotInfo> found = await _ec2.DescribeSnapshotsAsync(new SnapshotFilter { SnapshotIds = [snapshotId] }, cancellationToken);
            EbsSnapshotInfo? snapshot = found.FirstOrDefault();
            if (snapshot is null || snapshot.State != "pending" || _clock.GetUtcNow() + _options.PollInterval > until)
            {
                return snapshot;
            }

            await Task.Delay(_options.PollInterval, _clock, cancellationToken);
        }
    }
}
