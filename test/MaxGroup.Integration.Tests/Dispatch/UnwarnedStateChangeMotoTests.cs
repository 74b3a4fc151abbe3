using System.Collections.Concurrent;
using Amazon.EC2.Model;
using MaxGroup.Core.Steps;
using MaxGroup.Integration.Tests.Runtime;

namespace MaxGroup.Integration.Tests.Dispatch;

/// <summary>
/// A manual terminate of a managed group's instance on moto (EC2 TerminateInstances, no warning before it), the
/// dispatcher with its steps in-process: the shutting-down state change opens a drain-only hand-over (the drain here is
/// a stand-in that records its request; the drain itself is tested against the Kubernetes simulator), no successor is
/// launched, and a redelivery runs nothing twice.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class UnwarnedStateChangeMotoTests(MotoFixture moto) : IAsyncLifetime, IDisposable
{
    private const string Group = "web";
    private readonly AwsClientFactory _factory = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
    private readonly FakeConfigSource _configs = new("no configuration file and no spotmax: tags");
    private readonly RecordingStep _drain = new(StepNames.Drain);
    private DispatcherWiring _composition = null!;

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        Dictionary<string, string> variables = new()
        {
            ["MAXGROUP_LEDGER_TABLE"] = "maxgroup-ledger",
            ["AWS_ENDPOINT_URL"] = moto.Endpoint,
        };
        await FunctionServices.EnsureLedgerTableAsync(_factory, variables.GetValueOrDefault, TimeProvider.System, CancellationToken.None);
        _composition = DispatcherWiring.Create(
            new FunctionServices(_factory, _configs, variables.GetValueOrDefault, TimeProvider.System, NullLoggerFactory.Instance, NullMetrics.Instance, new InvocationOptions { Inline = true }),
            otherSteps: [_drain]);
        var scene = new MotoScene(_factory);
        await scene.LaunchTemplateAsync("lt-web", "m5.large");
        await scene.GroupAsync(Group, "lt-web", min: 1, max: 4, desired: 2);
        _configs.Add(new GroupConfig { GroupName = Group, K8sNodeDrainOption = true });
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task ManualTerminate_NoWarning_DrainedOnceNoSuccessorLaunched()
    {
        string terminated = (await _factory.AutoScaling.DescribeAutoScalingGroupsAsync([Group], CancellationToken.None)).Single().Instances[0].InstanceId;
        await _factory.Ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [terminated] });
        IReadOnlyList<string> instancesBefore = await new MotoScene(_factory).InstanceIdsAsync();

        DispatchResult result = await _composition.Dispatcher.DispatchAsync(ShuttingDown(terminated, "ev-sd-1"), CancellationToken.None);
        DispatchResult redelivery = await _composition.Dispatcher.DispatchAsync(ShuttingDown(terminated, "ev-sd-1"), CancellationToken.None);

        Assert.Equal(DispatchStatus.Started, result.Status);
        Assert.Equal(["drain"], result.Steps);
        RemediationRequest drained = Assert.Single(_drain.Requests);
        Assert.Equal(HandoverTrigger.UnwarnedStateChange, drained.Trigger);
        Assert.Equal(terminated, drained.Instance.InstanceId);
        Assert.Equal(drained.WarningTime + ReclaimDeadline.NoticePeriod, drained.ReclaimAt);
        InterruptionRecord record = (await _composition.Ledger.GetAsync(terminated, CancellationToken.None))!;
        Assert.Equal(["drain"], record.Steps.Select(s => s.Name));
        Assert.Equal(StepStatus.Done, record.FindStep("drain")!.Status);
        Assert.NotEqual(DispatchStatus.Started, redelivery.Status);
        Assert.Equal(instancesBefore, await new MotoScene(_factory).InstanceIdsAsync());
    }

    private static MaxGroupEvent ShuttingDown(string instanceId, string eventId) => EventParser.Parse(
        File.ReadAllText(RepositoryPaths.Event("ec2-instance-state-change-shutting-down.json"))
            .Replace("i-0b662ef9931388ba0", instanceId, StringComparison.Ordinal)
            .Replace("c4e8a2d6-1f3b-4a5c-9d7e-0b2f4a6c8e13", eventId, StringComparison.Ordinal)
            .Replace("2026-11-24T09:30:05Z", DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), StringComparison.Ordinal));

    /// <summary>A stand-in drain that records each request it runs.</summary>
    private sealed class RecordingStep(string name) : IRemediationStep
    {
        public ConcurrentQueue<RemediationRequest> Requests { get; } = new();

        public string Name { get; } = name;

        public bool EndsAtReclaim(RemediationRequest request) => true;

        public Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken)
        {
            Requests.Enqueue(request);
            return Task.FromResult(StepOutcome.Done("drained (stand-in)"));
        }
    }
}
