using MaxGroup.Aws.Eks;
using MaxGroup.Aws.Ledger;
using MaxGroup.Core.Ledger;
using MaxGroup.Core.Ports;
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
        ILogger<DrainStep> logger = services.Loggers.CreateLogger<DrainStep>();
        double? clusterQps = ClusterRequestBudget.QpsFromEnvironment(services.Get);
        IClusterRequestWindows windows = services.Ledger is DynamoDbLedger
            ? new DynamoDbClusterRequestWindows(services.Aws.DynamoDb, FunctionServices.LedgerTableName(services.Get))
            : new InMemoryClusterRequestWindows();
        return new DrainStep(
            new KubernetesNodeDrainers(new KubernetesClientFactory(
                new EksClusterLocator(services.Aws.Eks),
                cluster => services.Options.Credentials is { } credentials
                    ? new EksTokenProvider(credentials, services.Aws.Region, cluster, time)
                    : EksTokenProvider.ForDefaultCredentials(services.Aws.Region, cluster, time),
                ApiRateBudget.FromEnvironment(services.Get, time),
                services.Get(KubernetesClientFactory.KubeconfigVariable),
                clusterQps is { } qps
                    ? cluster => new ClusterRequestBudget(windows, cluster, qps, time, ex =>
                    {
                        logger.LogWarning("the shared API budget of cluster {Cluster} is unreachable ({Error}); draining under this instance's own budget for {Pause}", cluster, ex.Message, ClusterRequestBudget.UnavailablePause);
                        services.Metrics.Record("ClusterBudgetUnavailable", 1, MetricUnit.Count);
                    })
                    : null)),
            time,
            logger,
            services.Metrics,
            new LedgerTrafficGate(services.Ledger, time));
    }
}
