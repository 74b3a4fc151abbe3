using k8s;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Kubernetes.Cluster;

namespace MaxGroup.Kubernetes.Drain;

/// <summary>The drain step's <see cref="INodeDrainerSource"/>: a <see cref="NodeDrainer"/> per drain on the cluster's shared client.</summary>
public sealed class KubernetesNodeDrainers(IKubernetesClientSource clients) : INodeDrainerSource
{
    private readonly IKubernetesClientSource _clients = clients ?? throw new ArgumentNullException(nameof(clients));

    public async Task<INodeDrainer> GetDrainerAsync(GroupConfig config, CancellationToken cancellationToken)
    {
        IKubernetes client = await _clients.GetClientAsync(config, cancellationToken).ConfigureAwait(false);
        return new NodeDrainer(client);
    }
}
