using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>Gives the after-termination action the cluster API of a group's cluster.</summary>
public interface ITerminatedNodeApiSource
{
    /// <summary>As <see cref="INodeDrainerSource.GetDrainerAsync"/>: throws <see cref="ClusterConfigurationException"/> or <see cref="RemoteApiException"/>.</summary>
    Task<ITerminatedNodeApi> GetTerminatedNodeApiAsync(GroupConfig config, CancellationToken cancellationToken);
}
