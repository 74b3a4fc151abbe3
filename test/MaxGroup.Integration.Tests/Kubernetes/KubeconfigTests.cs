using k8s;
using MaxGroup.Kubernetes.Budget;
using MaxGroup.Kubernetes.Cluster;
using MaxGroup.Simulators.Kubernetes;

namespace MaxGroup.Integration.Tests.Kubernetes;

/// <summary>Local runs: a kubeconfig file instead of the group's endpoint, with TLS still checked against its CA.</summary>
public sealed class KubeconfigTests
{
    [Fact]
    public async Task KubernetesClientFactory_KubeconfigPath_ConnectsWithItsCaAndToken()
    {
        await using FakeKubeApiServer server = await FakeKubeApiServer.StartAsync();
        server.TokenValidator = token => token == "local-dev-token";
        server.AddNode("node-a", "aws:///us-east-1a/i-0a", "us-east-1a");
        string path = WriteKubeconfig(server, insecure: false);
        try
        {
            using var factory = new KubernetesClientFactory(null, _ => throw new InvalidOperationException("the kubeconfig brings its token"), new ApiRateBudget(5, 5, TimeProvider.System), path);

            IKubernetes client = await factory.GetClientAsync(new GroupConfig { GroupName = "g", K8sNodeDrainOption = true }, CancellationToken.None);

            Assert.Equal("node-a", Assert.Single((await client.CoreV1.ListNodeAsync()).Items).Metadata.Name);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task KubernetesClientFactory_KubeconfigSkippingTls_IsRefused()
    {
        await using FakeKubeApiServer server = await FakeKubeApiServer.StartAsync();
        string path = WriteKubeconfig(server, insecure: true);
        try
        {
            using var factory = new KubernetesClientFactory(null, _ => throw new InvalidOperationException(), new ApiRateBudget(5, 5, TimeProvider.System), path);

            ClusterConfigurationException ex = await Assert.ThrowsAsync<ClusterConfigurationException>(
                () => factory.GetClientAsync(new GroupConfig { GroupName = "g", K8sNodeDrainOption = true }, CancellationToken.None));

            Assert.Contains("disables TLS verification", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string WriteKubeconfig(FakeKubeApiServer server, bool insecure)
    {
        string path = Path.Combine(Path.GetTempPath(), $"maxgroup-kubeconfig-{Guid.NewGuid():N}.yaml");
        string tls = insecure ? "    insecure-skip-tls-verify: true" : $"    certificate-authority-data: {server.Certificates.CaBase64}";
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: {server.Endpoint}
            {tls}
            contexts:
            - name: fake
              context:
                cluster: fake
                user: dev
            current-context: fake
            users:
            - name: dev
              user:
                token: local-dev-token
            """);
        return path;
    }
}
