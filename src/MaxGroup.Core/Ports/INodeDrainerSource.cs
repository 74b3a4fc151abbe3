using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>Gives the drain step a drainer for the cluster a group's nodes join.</summary>
public interface INodeDrainerSource
{
    /// <summary>
    /// A drainer for one drain of <paramref name="config"/>'s cluster. Throws <see cref="ClusterConfigurationException"/>
    /// when the config does not say how to reach the cluster, <see cref="RemoteApiException"/> when it cannot be located.
    /// </summary>
    Task<INodeDrainer> GetDrainerAsync(GroupConfig config, CancellationToken cancellationToken);
}
