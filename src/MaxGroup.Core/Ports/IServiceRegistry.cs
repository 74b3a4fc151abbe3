using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>
/// The service-discovery calls of the Consul step: the instance's agent (<c>agent</c>) and, as a fallback, a server
/// (<c>server</c>), each a base URI. Every call carries the ACL token and is bounded by <c>deadline</c> as well as the
/// token; errors surface as <see cref="RemoteApiException"/>, read with <see cref="ServiceRegistryErrors"/>.
/// Every call converges when repeated.
/// </summary>
public interface IServiceRegistry
{
    /// <summary>The ids of the services registered with the agent.</summary>
    Task<IReadOnlyList<string>> GetAgentServiceIdsAsync(Uri agent, string? token, DateTimeOffset deadline, CancellationToken cancellationToken);

    /// <summary>The agent's node name and datacenter.</summary>
    Task<ConsulAgentSelf> GetAgentSelfAsync(Uri agent, string? token, DateTimeOffset deadline, CancellationToken cancellationToken);

    /// <summary>Deregisters one service from the agent; false when the agent no longer knew it.</summary>
    Task<bool> DeregisterServiceAsync(Uri agent, string serviceId, string? token, DateTimeOffset deadline, CancellationToken cancellationToken);

    /// <summary>Makes the agent leave the cluster gracefully (it then shuts down).</summary>
    Task LeaveAsync(Uri agent, string? token, DateTimeOffset deadline, CancellationToken cancellationToken);

    /// <summary>The ids of a node's services in the server's catalog; empty when the node is unknown.</summary>
    Task<IReadOnlyList<string>> GetCatalogNodeServiceIdsAsync(Uri server, string node, string? datacenter, string? token, DateTimeOffset deadline, CancellationToken cancellationToken);

    /// <summary>Removes the node, its services and checks from the server's catalog.</summary>
    Task CatalogDeregisterNodeAsync(Uri server, string node, string? datacenter, string? token, DateTimeOffset deadline, CancellationToken cancellationToken);

    /// <summary>Moves a failed node to "left" and prunes it from the members.</summary>
    Task ForceLeaveAsync(Uri server, string node, string? token, DateTimeOffset deadline, CancellationToken cancellationToken);
}
