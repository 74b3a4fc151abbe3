using k8s;
using k8s.Models;
using MaxGroup.Kubernetes.Budget;
using MaxGroup.Kubernetes.Cluster;
using MaxGroup.Core.Steps.Drain;
using MaxGroup.Kubernetes.Drain;

namespace MaxGroup.Integration.Tests.Kubernetes;

/// <summary>Opt-in, read-only: the client stack and the drainer's dry run against a real cluster named by a kubeconfig.</summary>
public sealed class RealClusterTests
{
    [KubeconfigFact]
    public async Task RealCluster_DryRunOfFirstNode_FindsItAndChangesNothing()
    {
        using var factory = new KubernetesClientFactory(null, NoToken, new ApiRateBudget(5, 10, TimeProvider.System), KubeconfigFactAttribute.Path);
        IKubernetes client = await factory.GetClientAsync(new GroupConfig { GroupName = "real", K8sNodeDrainOption = true }, CancellationToken.None);
        V1NodeList nodes = await client.CoreV1.ListNodeAsync(limit: 5);
        V1Node node = Assert.IsType<V1Node>(nodes.Items.FirstOrDefault(), exactMatch: false);
        string? providerId = node.Spec?.ProviderID;
        Assert.False(string.IsNullOrEmpty(providerId), "the first node has no providerID");
        string[] parts = providerId!.Split('/', StringSplitOptions.RemoveEmptyEntries);

        var drainer = new NodeDrain(new NodeDrainer(client), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        DrainReport report = await drainer.DrainAsync(new DrainRequest
        {
            InstanceId = parts[^1],
            AvailabilityZone = parts[^2],
            PrivateDnsName = node.Metadata.Name,
            EventId = "maxgroup-real-cluster-test",
            WarningTime = DateTimeOffset.UtcNow,
            Deadline = DateTimeOffset.UtcNow.AddSeconds(30),
            DryRun = true,
        }, CancellationToken.None);

        Assert.Equal(node.Metadata.Name, report.NodeName);
        Assert.True(report.DryRun);
        Assert.Empty(report.Evicted);
    }

    // A kubeconfig brings its own credentials (exec plugin, token or certificate); the EKS token provider is not used.
    private static IClusterTokenSource NoToken(string clusterName) => throw new InvalidOperationException($"no token provider for {clusterName} in the kubeconfig tier");
}
