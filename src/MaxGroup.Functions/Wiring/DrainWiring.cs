using MaxGroup.Aws.Eks;
using MaxGroup.Core.Steps;
using MaxGroup.Core.Steps.Drain;
using MaxGroup.Core.Steps.Traffic;
using MaxGroup.Kubernetes.Budget;
using MaxGroup.Kubernetes.Cluster;
using MaxGroup.Kubernetes.Drain;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Wiring;

/// <summary>The drain step (cordon and drain the EKS node), as the drain function, the dispatcher in-process and preaction run it.</summary>
public static class DrainWiring
{
    public static IRemediationStep CreateStep(FunctionServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        TimeProvider time = services.Time;
        return new DrainStep(
            new KubernetesNodeDrainers(new KubernetesClientFactory(
                new EksClusterLocator(services.Aws.Eks),
                cluster => services.Options.Credentials is { } credentials
                    ? new EksTokenProvider(credentials, services.Aws.Region, cluster, time)
                    : EksTokenProvider.ForDefaultCredentials(services.Aws.Region, cluster, time),
                ApiRateBudget.FromEnvironment(services.Get, time),
                services.Get(KubernetesClientFactory.KubeconfigVariable))),
            time,
            services.Loggers.CreateLogger<DrainStep>(),
            services.Metrics,
            new LedgerTrafficGate(services.Ledger, time));
    }
}
