using k8s.Models;
using MaxGroup.Kubernetes.Budget;
using MaxGroup.Kubernetes.Drain;

namespace MaxGroup.Integration.Tests.Kubernetes;

/// <summary>The drainer's pure decisions: which pods move, with what grace period, and how the API budget refills.</summary>
public sealed class DrainLogicTests
{
    [Theory]
    [InlineData("ReplicaSet", false, "Running", false, PodDisposition.Evict)]
    [InlineData(null, false, "Running", false, PodDisposition.Evict)]
    [InlineData("DaemonSet", false, "Running", false, PodDisposition.SkipDaemonSet)]
    [InlineData("Node", true, "Running", false, PodDisposition.SkipMirror)]
    [InlineData("Job", false, "Succeeded", false, PodDisposition.SkipFinished)]
    [InlineData("ReplicaSet", false, "Failed", false, PodDisposition.SkipFinished)]
    [InlineData("StatefulSet", false, "Running", true, PodDisposition.AlreadyTerminating)]
    public void PodClassifier_Pod_GetsKubectlDrainDisposition(string? ownerKind, bool mirror, string phase, bool deleting, PodDisposition expected)
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = "p",
                NamespaceProperty = "ns",
                OwnerReferences = ownerKind is null ? null : [new V1OwnerReference { Kind = ownerKind, Name = "o", Uid = "u", ApiVersion = "v1", Controller = true }],
                Annotations = mirror ? new Dictionary<string, string> { [PodClassifier.MirrorAnnotation] = "x" } : null,
                DeletionTimestamp = deleting ? DateTime.UtcNow : null,
            },
            Status = new V1PodStatus { Phase = phase },
        };

        Assert.Equal(expected, PodClassifier.Classify(pod));
    }

    [Theory]
    [InlineData(300L, 120, 90.0, 90L)]
    [InlineData(300L, 20, 90.0, 20L)]
    [InlineData(10L, 120, 90.0, 10L)]
    [InlineData(null, 120, 90.0, 30L)]
    [InlineData(60L, 120, 0.4, 1L)]
    [InlineData(0L, 120, 90.0, 0L)]
    public void PodClassifier_GracePeriod_IsOwnCappedByConfigAndTimeLeft(long? own, int max, double secondsLeft, long expected)
    {
        var pod = new V1Pod { Spec = new V1PodSpec { TerminationGracePeriodSeconds = own } };

        Assert.Equal(expected, PodClassifier.GracePeriodSeconds(pod, max, TimeSpan.FromSeconds(secondsLeft)));
    }

    [Fact]
    public void NodeDrainer_CordonPatch_KeepsOtherTaintsAndReplacesItsOwn()
    {
        var node = new V1Node
        {
            Metadata = new V1ObjectMeta { Name = "n", ResourceVersion = "42" },
            Spec = new V1NodeSpec
            {
                Taints =
                [
                    new V1Taint { Key = "dedicated", Value = "gpu", Effect = "NoSchedule" },
                    new V1Taint { Key = NodeDrainer.SpotInterruptionTaint, Value = "old-event", Effect = "NoSchedule" },
                ],
            },
        };

        string patch = NodeDrainer.BuildCordonPatch(node, "new-event");

        Assert.Equal(
            "{\"metadata\":{\"resourceVersion\":\"42\",\"labels\":{\"node.kubernetes.io/exclude-from-external-load-balancers\":\"true\"}},"
            + "\"spec\":{\"unschedulable\":true,\"taints\":[{\"key\":\"dedicated\",\"value\":\"gpu\",\"effect\":\"NoSchedule\"},"
            + "{\"key\":\"aws-node-termination-handler/spot-itn\",\"value\":\"new-event\",\"effect\":\"NoSchedule\"}]}}",
            patch);
    }

    [Fact]
    public void NodeDrainer_TaintValue_IsAValidLabelValue()
    {
        Assert.Equal("abc-123", NodeDrainer.TaintValue("-abc-123!"));
        Assert.Equal(63, NodeDrainer.TaintValue(new string('a', 100)).Length);
    }

    [Fact]
    public async Task ApiRateBudget_BurstSpent_WaitsForRefillAtQps()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var budget = new ApiRateBudget(qps: 2, burst: 3, clock);
        for (int i = 0; i < 3; i++)
        {
            await budget.AcquireAsync(CancellationToken.None);
        }

        Task fourth = budget.AcquireAsync(CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(fourth.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(499));
        await Task.Delay(50);
        Assert.False(fourth.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(2));
        await fourth.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void ApiRateBudget_FromEnvironment_ReadsQpsAndBurstOrDefaults()
    {
        var set = new Dictionary<string, string> { [ApiRateBudget.QpsVariable] = "7.5", [ApiRateBudget.BurstVariable] = "12" };
        ApiRateBudget configured = ApiRateBudget.FromEnvironment(set.GetValueOrDefault, TimeProvider.System);
        ApiRateBudget defaults = ApiRateBudget.FromEnvironment(_ => "nonsense", TimeProvider.System);

        Assert.Equal((7.5, 12), (configured.Qps, configured.Burst));
        Assert.Equal((ApiRateBudget.DefaultQps, ApiRateBudget.DefaultBurst), (defaults.Qps, defaults.Burst));
    }
}
