using k8s;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Kubernetes.Cluster;

namespace MaxGroup.Kubernetes.Drain;

/// <summary>
/// The drain step's <see cref="INodeDrainerSource"/>: a <see cref="NodeDrainer"/> per drain on the cluster's shared client;
/// and the after-termination action's <see cref="ITerminatedNodeApiSource"/> on the same clients.
/// </summary>
/// <param name="clients">The cluster clients, one per cluster for the life of the execution environment.</param>
/// <param name="clock">Stamps the out-of-service taint's timeAdded; the system clock by default.</param>
public sealed class KubernetesNodeDrainers(IKubernetesClientSource clients, TimeProvider? clock = null) : INodeDrainerSource, ITerminatedNodeApiSource
{
    private readonly IKubernetesClientSource _clients = clients ?? throw new ArgumentNullException(nameof(clients));
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<INodeDrainer> GetDrainerAsync(GroupConfig config, CancellationToken cancellationToken)
    {
        IKubernetes client = await _clients.GetClientAsync(config, cancellationToken).ConfigureAwait(false);
        return new NodeDrainer(client);
    }

    public async Task<ITerminatedNodeApi> GetTerminatedNodeApiAsync(GroupConfig config, CancellationToken cancellationToken)
    {
        IKubernetes client = await _clients.GetClientAsync(config, cancellationToken).ConfigureAwait(false);
        return new TerminatedNodeApi(client, _clock);
    }
}
