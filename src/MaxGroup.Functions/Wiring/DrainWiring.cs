using MaxGroup.Aws.Eks;
using MaxGroup.Aws.Lambda;
using MaxGroup.Aws.Ledger;
using MaxGroup.Core.Ledger;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Steps;
using MaxGroup.Core.Steps.Drain;
using MaxGroup.Core.Steps.Traffic;
using MaxGroup.Kubernetes.Budget;
using MaxGroup.Kubernetes.Cluster;
using MaxGroup.Kubernetes.Drain;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Wiring;

/// <summary>
/// The drain step (cordon and drain the EKS node), as the drain function, the dispatcher in-process and preaction run it;
/// and the after-termination action on the Node (k8s_node_after_termination), which shares its cluster clients.
/// </summary>
public static class DrainWiring
{
    /// <summary>The drain step; <paramref name="drainers"/> shares the cluster clients with the after-termination action (null = its own).</summary>
    public static IRemediationStep CreateStep(FunctionServices services, KubernetesNodeDrainers? drainers = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new DrainStep(
            drainers ?? CreateDrainers(services),
            services.Time,
            services.Loggers.CreateLogger<DrainStep>(),
            services.Metrics,
            new LedgerTrafficGate(services.Ledger, services.Time));
    }

    /// <summary>The cluster clients (EKS DescribeCluster, EKS tokens, the API budgets) of one execution environment.</summary>
    public static KubernetesNodeDrainers CreateDrainers(FunctionServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        TimeProvider time = services.Time;
        ILogger<DrainStep> logger = services.Loggers.CreateLogger<DrainStep>();
        double? clusterQps = ClusterRequestBudget.QpsFromEnvironment(services.Get);
        IClusterRequestWindows windows = services.Ledger is DynamoDbLedger
            ? new DynamoDbClusterRequestWindows(services.Aws.DynamoDb, FunctionServices.LedgerTableName(services.Get))
            : new InMemoryClusterRequestWindows();
        return new KubernetesNodeDrainers(
            new KubernetesClientFactory(
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
                    : null),
            time);
    }

    /// <summary>The after-termination action (taint or delete the Node) as the drain function runs it.</summary>
    public static TerminatedNodeCleanup CreateTerminatedNodeCleanup(FunctionServices services, ITerminatedNodeApiSource clusters)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new TerminatedNodeCleanup(clusters, services.Ledger, services.Time, services.Loggers.CreateLogger<TerminatedNodeCleanup>());
    }

    /// <summary>
    /// Where the dispatcher sends a resolved terminated Node: in Lambda to the drain function (only its role has
    /// Kubernetes rights); in process (`--inline`, the demo) to <paramref name="inProcess"/>, built on first use.
    /// </summary>
    public static ITerminatedNodeRunner DispatcherRunner(FunctionServices services, Func<ITerminatedNodeRunner> inProcess)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(inProcess);
        return services.Options.Inline
            ? new DeferredRunner(inProcess)
            : new TerminatedNodeForwarder(services.Aws.Lambda, LambdaFunctionInvoker.FunctionNamesFromEnvironment(services.Get)[StepNames.Drain]);
    }

    private sealed class DeferredRunner(Func<ITerminatedNodeRunner> create) : ITerminatedNodeRunner
    {
        private readonly Lazy<ITerminatedNodeRunner> _runner = new(create);

        public Task<StepOutcome> RunAsync(TerminatedNodeRequest request, CancellationToken cancellationToken) => _runner.Value.RunAsync(request, cancellationToken);
    }
}
