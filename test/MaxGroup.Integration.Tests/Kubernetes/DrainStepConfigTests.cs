using MaxGroup.Core.Steps.Drain;
using MaxGroup.Kubernetes.Budget;
using MaxGroup.Kubernetes.Cluster;
using MaxGroup.Kubernetes.Drain;
using MaxGroup.Simulators.Kubernetes;

namespace MaxGroup.Integration.Tests.Kubernetes;

/// <summary>How the drain step behaves before it reaches a cluster: switched off, unconfigured, cluster not found.</summary>
public sealed class DrainStepConfigTests
{
    private static DrainStep Step(IClusterLocator? locator = null) =>
        new(new KubernetesNodeDrainers(new KubernetesClientFactory(locator, _ => throw new InvalidOperationException("no token expected"), new ApiRateBudget(5, 5, TimeProvider.System))), TimeProvider.System);

    [Fact]
    public async Task DrainStep_DrainOptionOff_ReturnsNoOp()
    {
        StepOutcome outcome = await Step().RunAsync(DrainHarness.Request(new GroupConfig { GroupName = "g" }), CancellationToken.None);

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.Contains("k8s_node_drain_option", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrainStep_NoClusterConfigured_FailsSayingWhatToSet()
    {
        StepOutcome outcome = await Step().RunAsync(DrainHarness.Request(new GroupConfig { GroupName = "g", K8sNodeDrainOption = true }), CancellationToken.None);

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Contains("k8s_cluster_name", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrainStep_EndpointWithoutCa_RefusesToConnect()
    {
        var config = new GroupConfig { GroupName = "g", K8sNodeDrainOption = true, K8sClusterName = "c", K8sEndpoint = "https://127.0.0.1:1" };

        StepOutcome outcome = await Step().RunAsync(DrainHarness.Request(config), CancellationToken.None);

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Contains("k8s_certificate_authority", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrainStep_LocatorFails_FailsWithItsError()
    {
        var config = new GroupConfig { GroupName = "g", K8sNodeDrainOption = true, K8sClusterName = "missing" };

        StepOutcome outcome = await Step(new FailingLocator()).RunAsync(DrainHarness.Request(config), CancellationToken.None);

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Contains("ResourceNotFoundException", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrainStep_ReclaimAlreadyPassed_IsSkipped()
    {
        var config = new GroupConfig { GroupName = "g", K8sNodeDrainOption = true, K8sClusterName = "c" };

        StepOutcome outcome = await Step().RunAsync(DrainHarness.Request(config, timeLeft: TimeSpan.FromSeconds(-1)), CancellationToken.None);

        Assert.Equal(StepStatus.Skipped, outcome.Status);
    }

    [Fact]
    public void KubernetesClientFactory_CaAsBase64OrBarePem_ParsesTheSameCertificate()
    {
        using LoopbackCertificates certificates = LoopbackCertificates.Create();
        string pem = Encoding.ASCII.GetString(Convert.FromBase64String(certificates.CaBase64));

        Assert.Equal(certificates.Ca.Thumbprint, Assert.Single(KubernetesClientFactory.ParseCertificateAuthority(certificates.CaBase64)).Thumbprint);
        Assert.Equal(certificates.Ca.Thumbprint, Assert.Single(KubernetesClientFactory.ParseCertificateAuthority(pem)).Thumbprint);
    }

    private sealed class FailingLocator : IClusterLocator
    {
        public Task<ClusterConnection> DescribeAsync(string clusterName, CancellationToken cancellationToken) =>
            throw new RemoteApiException("eks", "ResourceNotFoundException", $"No cluster found for name: {clusterName}.", 404);
    }
}
