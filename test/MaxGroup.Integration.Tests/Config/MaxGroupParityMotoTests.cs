using System.Text.Json.Nodes;
using MaxGroup.Aws.Config;
using MaxGroup.Core.Steps;
using MaxGroup.Core.Steps.Drain;
using MaxGroup.Integration.Tests.Kubernetes;
using MaxGroup.Integration.Tests.Runtime;
using MaxGroup.Kubernetes.Cluster;
using MaxGroup.Kubernetes.Drain;

namespace MaxGroup.Integration.Tests.Configuration;

/// <summary>
/// A max_group user's configuration, unchanged, on moto: each documented service_config.json through `maxgroup
/// validate` and through the dispatcher (real S3 config source, Auto Scaling, EC2, DynamoDB ledger), and a group
/// configured only with the later generation's tags, k8s_config_file_path included, drained on the Kubernetes simulator.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class MaxGroupParityMotoTests(MotoFixture moto) : IAsyncLifetime, IDisposable
{
    private const string AliyunSecret = "EXAMPLEsecretNEVERprintedXXXXXX";
    private readonly AwsClientFactory _aws = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
    private readonly Dictionary<string, string> _variables = new() { ["MAXGROUP_LEDGER_TABLE"] = "maxgroup-ledger" };
    private string _bucket = "";

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        _variables["AWS_ENDPOINT_URL"] = moto.Endpoint;
        _bucket = await ConfigTestSupport.NewBucketAsync(_aws.S3);
        await FunctionServices.EnsureLedgerTableAsync(_aws, _variables.GetValueOrDefault, TimeProvider.System, CancellationToken.None);
        await new MotoScene(_aws).LaunchTemplateAsync("lt-legacy", "m5.large");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _aws.Dispose();

    [Theory]
    [InlineData("aws-install-guide.json")]
    [InlineData("seed-best-practices.json")]
    [InlineData("aliyun.json")]
    public async Task Validate_DocumentedFileUnchanged_IsValidAndNeverPrintsTheCredentials(string file)
    {
        string path = Path.Combine(RepositoryPaths.Root, "config", "examples", "legacy", file);
        using var output = new StringWriter();
        using var error = new StringWriter();

        int exit = await MaxGroup.Cli.Program.RunAsync(["validate", path], output, error, CancellationToken.None);

        Assert.True(exit == 0, output.ToString() + error);
        Assert.StartsWith($"{path}: valid, ", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("error", output.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(AliyunSecret, output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("LTAI5t", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("aws-install-guide.json", "spotmax_k8s")]
    [InlineData("seed-best-practices.json", "your autoscaling name")]
    [InlineData("aliyun.json", "spotmax-hk")]
    public async Task Dispatcher_DocumentedFileAsServiceConfigJson_HandsTheInterruptedInstanceOver(string file, string group)
    {
        string content = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "config", "examples", "legacy", file));
        await ConfigTestSupport.PutAsync(_aws.S3, _bucket, "service_config.json", content);
        await new MotoScene(_aws).GroupAsync(group, "lt-legacy", min: 1, max: 4, desired: 2, tags: [(GroupConfigKeys.ManagedTag, "true", false)]);
        var logger = new RecordingLogger();
        GroupConfigProvider configs = Provider(logger);
        DispatcherWiring composition = Compose(configs, []);
        AutoScalingGroupInfo before = await DescribeGroupAsync(group);
        string doomed = before.Instances[0].InstanceId;

        DispatchResult result = await composition.Dispatcher.DispatchAsync(EventParser.Parse(WarningJson(doomed)), CancellationToken.None);

        Assert.True(result.Status == DispatchStatus.Started, result.Reason);
        AutoScalingGroupInfo after = await DescribeGroupAsync(group);
        InterruptionRecord record = (await composition.Ledger.GetAsync(doomed, CancellationToken.None))!;
        Assert.Equal(StepStatus.Done, record.FindStep("replace")!.Status);
        Assert.DoesNotContain(after.Instances, i => i.InstanceId == doomed);
        Assert.Contains(after.Instances, i => i.InstanceId == record.SuccessorInstanceId);
        Assert.Equal(before.DesiredCapacity, after.DesiredCapacity);
        Assert.DoesNotContain(logger.Entries, e => e.Message.Contains(AliyunSecret, StringComparison.Ordinal) || e.Message.Contains("LTAI5t", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dispatcher_GroupWithOnlyLaterGenerationTagsAndK8sConfigFilePath_IsDrained()
    {
        await using DrainHarness kube = await DrainHarness.StartAsync();
        await new MotoScene(_aws).GroupAsync("web", "lt-legacy", min: 1, max: 4, desired: 2, tags:
        [
            ("spotmax:k8s_config_file_path", "/root/.kube/config", false),
            ("spotmax:detaching_delay_seconds", "0", false),
            ("spotmax:k8s_delay_draining_secs", "0", false),
            ("spotmax:k8s_node_drain_grace_second", "2", false),
            ("spotmax:is_to_handle_scaling_failure", "true", false),
            ("spotmax:od_least_live_mins", "15", false),
            (GroupConfigKeys.ManagedTag, "true", false),
        ]);
        await ConfigTestSupport.PutAsync(_aws.S3, _bucket, "groups/web" + KubeconfigReader.KeySuffix, Kubeconfig(DrainHarness.ClusterName));
        string doomed = (await DescribeGroupAsync("web")).Instances[0].InstanceId;
        InstanceFactsView facts = await DescribeAsync(doomed);
        kube.Server.AddNode("node-doomed", $"aws:///{facts.Zone}/{doomed}", facts.Zone);
        kube.Server.AddPod("app", "web-1", "node-doomed", new Dictionary<string, string> { ["app"] = "web" });
        var drain = new DrainStep(new KubernetesNodeDrainers(new KubernetesClientFactory(new SimulatorLocator(kube), _ => kube.TokenProvider, kube.Budget)), TimeProvider.System);
        GroupConfigProvider configs = Provider(new RecordingLogger());
        DispatcherWiring composition = Compose(configs, [drain]);

        ConfigLookup lookup = await configs.GetAsync("web", CancellationToken.None);
        DispatchResult result = await composition.Dispatcher.DispatchAsync(EventParser.Parse(WarningJson(doomed)), CancellationToken.None);

        Assert.True(lookup.Managed, lookup.Description);
        Assert.Equal(ConfigGeneration.SpotmaxTags, lookup.Generation);
        Assert.Equal(DrainHarness.ClusterName, lookup.Config.K8sClusterName);
        // Both are real keys now: is_to_handle_scaling_failure (the backfill) and od_least_live_mins (the swap back to Spot).
        Assert.Equal(0, lookup.Problems.Count(p => p.Message.StartsWith(RecognisedKeys.MessagePrefix, StringComparison.Ordinal)));
        Assert.True(lookup.Config.IsToHandleScalingFailure);
        Assert.Equal(15, lookup.Config.OdLeastLiveMins);
        Assert.True(result.Status == DispatchStatus.Started, result.Reason);
        InterruptionRecord record = (await composition.Ledger.GetAsync(doomed, CancellationToken.None))!;
        StepRecord drained = record.FindStep("drain")!;
        Assert.True(drained.Status == StepStatus.Done, $"{drained.Status}: {drained.Reason}");
        Assert.Equal(["app/web-1"], kube.Server.Evictions.Select(e => e.Pod));
        JsonObject node = kube.Server.GetNode("node-doomed");
        Assert.True(node["spec"]!["unschedulable"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Dispatcher_TagsOnlyGroupWithIsOnlyOdRep_LaunchesAnOnDemandSuccessor()
    {
        await new MotoScene(_aws).GroupAsync("web", "lt-legacy", min: 1, max: 4, desired: 2, tags:
        [
            ("spotmax:is_only_od_rep", "true", false),
            ("spotmax:detaching_delay_seconds", "0", false),
            (GroupConfigKeys.ManagedTag, "true", false),
        ]);
        string doomed = (await DescribeGroupAsync("web")).Instances[0].InstanceId;
        DispatcherWiring composition = Compose(Provider(new RecordingLogger()), []);

        DispatchResult result = await composition.Dispatcher.DispatchAsync(EventParser.Parse(WarningJson(doomed)), CancellationToken.None);

        Assert.True(result.Status == DispatchStatus.Started, result.Reason);
        InterruptionRecord record = (await composition.Ledger.GetAsync(doomed, CancellationToken.None))!;
        StepRecord replace = record.FindStep("replace")!;
        Assert.True(replace.Status == StepStatus.Done, $"{replace.Status}: {replace.Reason}");
        Amazon.EC2.Model.DescribeInstancesResponse successor = await _aws.Ec2.DescribeInstancesAsync(new Amazon.EC2.Model.DescribeInstancesRequest { InstanceIds = [record.SuccessorInstanceId!] });
        Amazon.EC2.Model.Instance launched = Assert.Single(successor.Reservations.SelectMany(r => r.Instances));
        Assert.Null(launched.InstanceLifecycle);
        Assert.Equal(doomed, launched.Tags.Single(t => t.Key == "spotmax:replaces").Value);
    }

    private GroupConfigProvider Provider(RecordingLogger logger) =>
        new(new S3ConfigObjectStore(_aws.S3, _bucket), _aws.AutoScaling, new GroupConfigOptions { Bucket = _bucket }, TimeProvider.System, logger, new RecordingMetrics());

    private DispatcherWiring Compose(IGroupConfigSource configs, IReadOnlyList<IRemediationStep> steps) =>
        DispatcherWiring.Create(new FunctionServices(_aws, configs, _variables.GetValueOrDefault, TimeProvider.System, NullLoggerFactory.Instance, NullMetrics.Instance, new InvocationOptions { Inline = true }), otherSteps: steps);

    private async Task<AutoScalingGroupInfo> DescribeGroupAsync(string group) =>
        Assert.Single(await _aws.AutoScaling.DescribeAutoScalingGroupsAsync([group], CancellationToken.None));

    private async Task<InstanceFactsView> DescribeAsync(string instanceId)
    {
        var facts = (await new MaxGroup.Aws.Ec2.Ec2InstanceInventory(_aws.Ec2).DescribeInstanceAsync(instanceId, CancellationToken.None))!;
        return new InstanceFactsView(facts.AvailabilityZone);
    }

    private static string WarningJson(string instanceId) => $$$"""
        {"version":"0","id":"ev-{{{instanceId}}}","detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2",
         "account":"123456789012","time":"{{{DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}}}","region":"us-east-1",
         "resources":["arn:aws:ec2:us-east-1a:instance/{{{instanceId}}}"],
         "detail":{"instance-id":"{{{instanceId}}}","instance-action":"terminate"}}
        """;

    /// <summary>What `aws eks update-kubeconfig --name NAME` writes, endpoint and CA shortened (MaxGroup takes only the name).</summary>
    private static string Kubeconfig(string cluster) => $"""
        apiVersion: v1
        clusters:
        - cluster:
            certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
            server: https://ABCDEF0123456789.gr7.us-east-1.eks.amazonaws.com
          name: arn:aws:eks:us-east-1:111111111111:cluster/{cluster}
        contexts:
        - context:
            cluster: arn:aws:eks:us-east-1:111111111111:cluster/{cluster}
            user: arn:aws:eks:us-east-1:111111111111:cluster/{cluster}
          name: arn:aws:eks:us-east-1:111111111111:cluster/{cluster}
        current-context: arn:aws:eks:us-east-1:111111111111:cluster/{cluster}
        kind: Config
        users:
        - name: arn:aws:eks:us-east-1:111111111111:cluster/{cluster}
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1beta1
              args: [--region, us-east-1, eks, get-token, --cluster-name, {cluster}]
              command: aws
        """;

    private sealed record InstanceFactsView(string Zone);

    /// <summary>EKS DescribeCluster's part, answered by the simulator; only the kubeconfig's cluster is known.</summary>
    private sealed class SimulatorLocator(DrainHarness kube) : IClusterLocator
    {
        public Task<ClusterConnection> DescribeAsync(string clusterName, CancellationToken cancellationToken) =>
            clusterName == DrainHarness.ClusterName
                ? Task.FromResult(new ClusterConnection(kube.Server.Endpoint, kube.Server.Certificates.CaBase64))
                : throw new RemoteApiException("eks", "ResourceNotFoundException", $"No cluster found for name: {clusterName}.", 404);
    }
}
