using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Core.Steps.Volume;

/// <summary>
/// The hand-over's first change: the group's data volume must survive the instance's termination whatever happens
/// next (a function killed halfway, a step that never starts). The dispatcher calls it before the ledger begin, so no
/// crash point of the hand-over precedes it; the volume step repeats it and reads it back. Safe to repeat.
/// </summary>
public sealed class DataVolumeGuard(IVolumeApi ec2, ILogger logger)
{
    /// <summary>
    /// The data volume: a volume already moved here (at persistence_attach_as) carries the user's data onward;
    /// otherwise the one at persistence_dev. Null when the group has none or the instance lists neither.
    /// </summary>
    public static BlockDeviceFact? Find(IReadOnlyList<BlockDeviceFact> devices, GroupConfig config)
    {
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(config);
        return config.PersistenceDev is null
            ? null
            : devices.FirstOrDefault(b => DeviceNames.Same(b.DeviceName, config.PersistenceAttachAs))
                ?? devices.FirstOrDefault(b => DeviceNames.Same(b.DeviceName, config.PersistenceDev));
    }

    /// <summary>
    /// Turns DeleteOnTermination off for the instance's data volume when its facts show it on (one ModifyInstanceAttribute;
    /// none when it is already off or there is no data volume). Returns the data volume, or null. Never throws for EC2's
    /// answer: the volume step repeats the change and reads it back, and the hand-over must not stop here.
    /// </summary>
    public async Task<BlockDeviceFact?> KeepAsync(InstanceFacts instance, GroupConfig config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        BlockDeviceFact? device = Find(instance.BlockDevices, config);
        if (device is null || !device.DeleteOnTermination || instance.IsGone)
        {
            return device;
        }

        try
        {
            await ec2.SetDeleteOnTerminationAsync(instance.InstanceId, device.DeviceName, false, cancellationToken);
            logger.LogInformation("Data volume {VolumeId} ({Device}) of {InstanceId} kept: DeleteOnTermination=false", device.VolumeId, device.DeviceName, instance.InstanceId);
        }
        catch (RemoteApiException ex)
        {
            logger.LogWarning(ex, "Could not turn DeleteOnTermination off for {VolumeId} of {InstanceId} yet ({ErrorCode}); the volume step repeats it", device.VolumeId, instance.InstanceId, ex.ErrorCode);
        }

        return device;
    }
}
