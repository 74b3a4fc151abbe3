using Amazon.Runtime;
using k8s;
using MaxGroup.Aws.Eks;
using MaxGroup.Core.Steps.Drain;
using MaxGroup.Kubernetes.Budget;
using MaxGroup.Kubernetes.Cluster;
using MaxGroup.Kubernetes.Drain;
using MaxGroup.Simulators.Kubernetes;

namespace MaxGroup.Integration.Tests.Kubernetes;

/// <summary>A fake API server plus the production client stack (EKS token, CA validation, rate budget) pointed at it.</summary>
public sealed class DrainHarness : IAsyncDisposable
{
    public const string ClusterName = "maxgroup-test";
    public const string Region = "us-east-1";
    public const string AccessKey = "AKIDMAXGROUPTEST";
    public const string SecretKey = "maxgroup-test-secret";
    public const string Zone = "us-east-1a";
    public const string InstanceId = "i-0123456789abcdef0";
    public const string PrivateDns = "ip-10-0-1-23.ec2.internal";

    private DrainHarness(FakeKubeApiServer server, TimeProvider tokenClock, ApiRateBudget budget, TimeSpan? refreshAfter)
    {
        Server = server;
        TokenProvider = new EksTokenProvider(new BasicAWSCredentials(AccessKey, SecretKey), Region, ClusterName, tokenClock, refreshAfter);
        Budget = budget;
        Factory = new KubernetesClientFactory(null, _ => TokenProvider, budget);
        Step = new DrainStep(new KubernetesNodeDrainers(Factory), TimeProvider.System, metrics: Metrics);
    }

    public FakeKubeApiServer Server { get; }

    public RecordingMetrics Metrics { get; } = new();

    public EksTokenProvider TokenProvider { get; }

    public ApiRateBudget Budget { get; }

    public KubernetesClientFactory Factory { get; }

    public DrainStep Step { get; }

    /// <summary>Starts the fake; <paramref name="tokenClock"/> is the clock of the token provider and of the fake's token check.</summary>
    public static async Task<DrainHarness> StartAsync(TimeProvider? tokenClock = null, double qps = 100, int burst = 100, TimeSpan? refreshAfter = null)
    {
        tokenClock ??= TimeProvider.System;
        FakeKubeApiServer server = await FakeKubeApiServer.StartAsync();
        server.TokenValidator = token => EksTokenChecker.Problem(token, ClusterName, Region, AccessKey, SecretKey, tokenClock.GetUtcNow()) is null;
        return new DrainHarness(server, tokenClock, new ApiRateBudget(qps, burst, TimeProvider.System), refreshAfter);
    }

    public GroupConfig Config(int maxGrace = 120, int successorWait = 0, bool dryRun = false, string? caBase64 = null) => new()
    {
        GroupName = "web-asg",
        K8sNodeDrainOption = true,
        K8sClusterName = ClusterName,
        K8sEndpoint = Server.Endpoint,
        K8sCertificateAuthority = caBase64 ?? Server.Certificates.CaBase64,
        K8sNodeDrainGraceSecond = maxGrace,
        K8sDelayDrainingSecs = successorWait,
        DryRun = dryRun,
    };

    public static RemediationRequest Request(GroupConfig config, TimeSpan? timeLeft = null, string? successor = null, bool dryRun = false)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        DateTimeOffset reclaimAt = now + (timeLeft ?? TimeSpan.FromSeconds(60));
        return new RemediationRequest
        {
            Step = StepNames.Drain,
            EventId = "1e5527d7-bb36-4607-3370-4164db56a40e",
            WarningTime = reclaimAt - TimeSpan.FromSeconds(120),
            ReclaimAt = reclaimAt,
            Instance = new InstanceFacts
            {
                InstanceId = InstanceId,
                AvailabilityZone = Zone,
                PrivateDnsName = PrivateDns,
                PrivateIpAddress = "10.0.1.23",
                InstanceType = "m5.large",
                Lifecycle = "spot",
                State = "running",
            },
            Config = config,
            DryRun = dryRun,
            SuccessorInstanceId = successor,
        };
    }

    /// <summary>Runs the step the way the remediation handler does: with a token that fires at reclaim.</summary>
    /// <summary>Adds node-a, the doomed instance's node (its provider id names <see cref="InstanceId"/> in <see cref="Zone"/>), to the fake API server.</summary>
    public void AddDoomedNode() => Server.AddNode("node-a", $"aws:///{Zone}/{InstanceId}", Zone);

    public async Task<StepOutcome> RunAsync(RemediationRequest request)
    {
        using var cts = new CancellationTokenSource(request.ReclaimAt - DateTimeOffset.UtcNow);
        return await Step.RunAsync(request, cts.Token);
    }

    public Task<IKubernetes> ClientAsync(GroupConfig? config = null) => Factory.GetClientAsync(config ?? Config(), CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        Factory.Dispose();
        TokenProvider.Dispose();
        await Server.DisposeAsync();
    }
}
