using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Kubernetes.Auth;
using MaxGroup.Kubernetes.Budget;

namespace MaxGroup.Kubernetes.Cluster;

/// <summary>
/// Builds one Kubernetes client per cluster and keeps it for the life of the execution environment.
/// The endpoint and CA come from the group config, else from a kubeconfig file (local runs), else from
/// <see cref="IClusterLocator"/> (EKS DescribeCluster). TLS is always validated against the cluster's own CA.
/// </summary>
/// <param name="locator">DescribeCluster for groups that name only their cluster; null when every group carries endpoint and CA.</param>
/// <param name="tokenSourceFor">The bearer token source for a cluster name (MaxGroup.Aws's EKS token provider in Lambda).</param>
/// <param name="budget">The API call budget shared by all clients of this process.</param>
/// <param name="kubeconfigPath">A kubeconfig for local runs, used when the group config has no endpoint; null in Lambda.</param>
/// <param name="clusterBudgetFor">
/// The cluster-wide budget for a cluster's name (or endpoint), shared with every other function instance; null = only
/// the instance's own <paramref name="budget"/>. Called once per cluster.
/// </param>
public sealed class KubernetesClientFactory(
    IClusterLocator? locator, Func<string, IClusterTokenSource> tokenSourceFor, ApiRateBudget budget, string? kubeconfigPath = null, Func<string, ClusterRequestBudget>? clusterBudgetFor = null)
    : IKubernetesClientSource, IDisposable
{
    /// <summary>The kubeconfig variable honoured for local runs (the CLI); not set in Lambda.</summary>
    public const string KubeconfigVariable = "KUBECONFIG";

    /// <summary>How long one attempt of one API call may take once it has left the budget.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(30);

    private readonly Func<string, IClusterTokenSource> _tokenSourceFor = tokenSourceFor ?? throw new ArgumentNullException(nameof(tokenSourceFor));
    private readonly ApiRateBudget _budget = budget ?? throw new ArgumentNullException(nameof(budget));
    private readonly string? _kubeconfigPath = string.IsNullOrWhiteSpace(kubeconfigPath) ? null : kubeconfigPath;
    private readonly ConcurrentDictionary<string, Lazy<Task<IKubernetes>>> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<ClusterRequestBudget>> _clusterBudgets = new(StringComparer.Ordinal);

    public Task<IKubernetes> GetClientAsync(GroupConfig config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        // The CA is part of the key: a group whose CA was corrected must not keep the client that trusted the old one.
        string key = $"{config.K8sClusterName}|{config.K8sEndpoint}|{config.K8sCertificateAuthority}|{(config.K8sEndpoint is null ? _kubeconfigPath : null)}";
        Lazy<Task<IKubernetes>> lazy = _clients.GetOrAdd(key, _ => new Lazy<Task<IKubernetes>>(() => CreateAsync(config, CancellationToken.None)));
        Task<IKubernetes> task = lazy.Value;
        if (task.IsFaulted || task.IsCanceled)
        {
            // A failed DescribeCluster must not poison the cache for the next invocation.
            _clients.TryRemove(new KeyValuePair<string, Lazy<Task<IKubernetes>>>(key, lazy));
        }

        return task.WaitAsync(cancellationToken);
    }

    /// <summary>Parses the CA the way EKS reports it (base64 of PEM); a bare PEM is accepted too.</summary>
    public static X509Certificate2Collection ParseCertificateAuthority(string caData)
    {
        ArgumentException.ThrowIfNullOrEmpty(caData);
        string pem = caData.TrimStart().StartsWith("-----BEGIN", StringComparison.Ordinal)
            ? caData
            : Encoding.ASCII.GetString(Convert.FromBase64String(caData.Trim()));
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        if (collection.Count == 0)
        {
            throw new ClusterConfigurationException("the cluster certificate authority holds no certificate");
        }

        return collection;
    }

    public void Dispose()
    {
        foreach (Lazy<Task<IKubernetes>> lazy in _clients.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                lazy.Value.Result.Dispose();
            }
        }

        _clients.Clear();
    }

    private async Task<IKubernetes> CreateAsync(GroupConfig config, CancellationToken cancellationToken)
    {
        KubernetesClientConfiguration clientConfig;
        if (!string.IsNullOrEmpty(config.K8sEndpoint))
        {
            if (string.IsNullOrEmpty(config.K8sCertificateAuthority))
            {
                throw new ClusterConfigurationException("k8s_endpoint is set without k8s_certificate_authority; refusing to talk to the cluster without its CA");
            }

            clientConfig = ForEks(config.K8sEndpoint, config.K8sCertificateAuthority, RequireClusterName(config));
        }
        else if (_kubeconfigPath is not null)
        {
            clientConfig = KubernetesClientConfiguration.BuildConfigFromConfigFile(_kubeconfigPath);
            if (clientConfig.SkipTlsVerify)
            {
                throw new ClusterConfigurationException($"the kubeconfig {_kubeconfigPath} disables TLS verification; MaxGroup never does");
            }
        }
        else if (!string.IsNullOrEmpty(config.K8sClusterName) && locator is not null)
        {
            ClusterConnection connection = await locator.DescribeAsync(config.K8sClusterName, cancellationToken).ConfigureAwait(false);
            clientConfig = ForEks(connection.Endpoint, connection.CertificateAuthorityBase64, config.K8sClusterName);
        }
        else
        {
            throw new ClusterConfigurationException(
                "no cluster to drain: set k8s_cluster_name (endpoint found through EKS DescribeCluster), or k8s_endpoint with k8s_certificate_authority and k8s_cluster_name");
        }

        // The API calls are short; a hung connection must not eat the whole interruption window. The limit is per
        // attempt and starts after the budget (AttemptTimeoutHandler): a wait for the cluster's shared budget is not a
        // slow API server. The step's deadline bounds everything.
        clientConfig.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        // The retry after a 401 goes through the budget too: the refresh handler sits outside it.
        // Transient answers (429 outside evictions, 5xx, a dropped connection) are retried inside the client, each
        // attempt through the budget: one API server hiccup must not fail a whole drain.
        var budgetHandler = new RateBudgetHandler(_budget, ClusterBudget(config, clientConfig.Host));
        var attemptTimeout = new AttemptTimeoutHandler(AttemptTimeout, _budget.Clock);
        return clientConfig.TokenProvider is ClusterTokenProvider clusterTokens
            ? new k8s.Kubernetes(clientConfig, new TokenRefreshHandler(clusterTokens.Source), new TransientRetryHandler(_budget.Clock), budgetHandler, attemptTimeout)
            : new k8s.Kubernetes(clientConfig, new TransientRetryHandler(_budget.Clock), budgetHandler, attemptTimeout);
    }

    /// <summary>One shared budget per cluster in this process, named by the cluster's name, else its API server's address.</summary>
    private ClusterRequestBudget? ClusterBudget(GroupConfig config, string? host)
    {
        string? cluster = !string.IsNullOrEmpty(config.K8sClusterName) ? config.K8sClusterName : host;
        if (clusterBudgetFor is null || string.IsNullOrEmpty(cluster))
        {
            return null;
        }

        return _clusterBudgets.GetOrAdd(cluster, name => new Lazy<ClusterRequestBudget>(() => clusterBudgetFor(name))).Value;
    }

    private KubernetesClientConfiguration ForEks(string endpoint, string caData, string clusterName)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out Uri? uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new ClusterConfigurationException($"the cluster endpoint must be an https URL, got '{endpoint}'");
        }

        return new KubernetesClientConfiguration
        {
            Host = uri.ToString(),
            SslCaCerts = ParseCertificateAuthority(caData),
            SkipTlsVerify = false,
            TokenProvider = new ClusterTokenProvider(_tokenSourceFor(clusterName)),
        };
    }

    private static string RequireClusterName(GroupConfig config) =>
        !string.IsNullOrEmpty(config.K8sClusterName)
            ? config.K8sClusterName
            : throw new ClusterConfigurationException("k8s_cluster_name is required: the EKS token names the cluster it is for");
}
