using System.Net;
using MaxGroup.Core.Steps.Consul;
using MaxGroup.Integration.Tests.Consul;
using MaxGroup.Integration.Tests.Kubernetes;
using MaxGroup.Kubernetes.Budget;

namespace MaxGroup.Integration.Tests.Reliability;

/// <summary>
/// Regressions found by the fault drill: one transient fault from the Kubernetes API or the Consul agent (a 500, a 429,
/// a connection dropped before or after the call took effect) used to fail the whole drain or deregistration.
/// Each test scripts exactly one fault through <see cref="HttpFaultProxy"/> in front of the real fake.
/// </summary>
public sealed class TransientFaultRecoveryTests
{
    [Theory]
    [InlineData("GET /api/v1/nodes", "5xx")]
    [InlineData("GET /api/v1/nodes", "drop-before")]
    [InlineData("PATCH /api/v1/nodes/", "drop-after")]
    [InlineData("GET /api/v1/pods", "throttle")]
    public async Task Drain_OneTransientApiFault_StillDone(string action, string fault)
    {
        await using DrainHarness harness = await DrainHarness.StartAsync();
        harness.Server.AddNode(DrainHarness.PrivateDns, $"aws:///{DrainHarness.Zone}/{DrainHarness.InstanceId}", DrainHarness.Zone);
        harness.Server.AddPod("default", "web-1", DrainHarness.PrivateDns);
        await using HttpFaultProxy proxy = await HttpFaultProxy.StartAsync("kubernetes", harness.Server.Endpoint, FaultPlan.None, harness.Server.Certificates.Server, harness.Server.Certificates.Ca);
        proxy.FailNext(action, fault);

        StepOutcome outcome = await harness.RunAsync(DrainHarness.Request(harness.Config(maxGrace: 10) with { K8sEndpoint = proxy.Endpoint }));

        Assert.True(outcome.Status == StepStatus.Done, $"{outcome.Status}: {outcome.Reason}");
        Assert.Contains(proxy.Calls, c => c.Fault == fault);
        Assert.Empty(harness.Server.PodKeys());
    }

    [Fact]
    public async Task Drain_EventAnswerLost_RetryFindsItsOwnEventAndNoneIsDoubled()
    {
        await using DrainHarness harness = await DrainHarness.StartAsync();
        harness.Server.AddNode(DrainHarness.PrivateDns, $"aws:///{DrainHarness.Zone}/{DrainHarness.InstanceId}", DrainHarness.Zone);
        harness.Server.AddPod("default", "web-1", DrainHarness.PrivateDns);
        await using HttpFaultProxy proxy = await HttpFaultProxy.StartAsync("kubernetes", harness.Server.Endpoint, FaultPlan.None, harness.Server.Certificates.Server, harness.Server.Certificates.Ca);
        // The first event (started) is stored, its answer dropped: the retried POST answers 409 AlreadyExists.
        proxy.FailNext("POST /api/v1/namespaces/default/events", "drop-after");

        StepOutcome outcome = await harness.RunAsync(DrainHarness.Request(harness.Config(maxGrace: 10) with { K8sEndpoint = proxy.Endpoint }));

        Assert.True(outcome.Status == StepStatus.Done, $"{outcome.Status}: {outcome.Reason}");
        Assert.Contains(proxy.Calls, c => c.Fault == "drop-after");
        Assert.Equal(["MaxGroupDrainStarted", "MaxGroupPodEvicted", "MaxGroupDrainSucceeded"], harness.Server.Events.Select(e => e.Reason));
        Assert.True(harness.Server.EventPosts >= 4, $"{harness.Server.EventPosts} event posts: the lost answer was not retried");
        Assert.Contains(("NodeEventsRecorded", 3.0), harness.Metrics.Recorded);
        Assert.Contains(("NodeEventsFailed", 0.0), harness.Metrics.Recorded);
    }

    [Fact]
    public void TransientRetryHandler_EvictionTooManyRequests_LeftToTheDrainer()
    {
        using var eviction = new HttpRequestMessage(HttpMethod.Post, "https://127.0.0.1/api/v1/namespaces/default/pods/web-1/eviction");
        using var list = new HttpRequestMessage(HttpMethod.Get, "https://127.0.0.1/api/v1/pods?fieldSelector=spec.nodeName%3Dn");

        Assert.False(TransientRetryHandler.IsTransient(eviction, HttpStatusCode.TooManyRequests));
        Assert.True(TransientRetryHandler.IsTransient(list, HttpStatusCode.TooManyRequests));
        Assert.True(TransientRetryHandler.IsTransient(eviction, HttpStatusCode.ServiceUnavailable));
        Assert.False(TransientRetryHandler.IsTransient(list, HttpStatusCode.NotFound));
    }

    [Theory]
    [InlineData("PUT /v1/agent/service/deregister/web-1", "drop-before")]
    [InlineData("PUT /v1/agent/service/deregister/web-1", "drop-after")]
    [InlineData("PUT /v1/agent/leave", "drop-after")]
    [InlineData("GET /v1/agent/services", "throttle")]
    [InlineData("GET /v1/agent/services", "5xx")]
    public async Task Consul_OneTransientAgentFault_StillDone(string action, string fault)
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.AddService("web-1", "web");
        agent.AddService("api-1", "api");
        await using HttpFaultProxy proxy = await HttpFaultProxy.StartAsync("consul", $"http://{agent.Address}", FaultPlan.None);
        proxy.FailNext(action, fault);
        var logger = new RecordingLogger<ConsulDeregistrationStep>();

        StepOutcome outcome = await ConsulTestData.Step(null, logger).RunAsync(ConsulTestData.Request(ConsulTestData.ConsulConfig(proxy.Port)), CancellationToken.None);

        Assert.True(outcome.Status == StepStatus.Done, $"{outcome.Status}: {outcome.Reason}");
        Assert.Contains(proxy.Calls, c => c.Fault == fault);
        Assert.Empty(agent.ServiceIds);
    }

    [Fact]
    public async Task Consul_DropsSeparatedByAnswers_EachRetriedStillDone()
    {
        // Found by the drill (mix, seed 2): the retry budget counted every drop of the run, not drops in a row.
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.AddService("web-1", "web");
        agent.AddService("api-1", "api");
        await using HttpFaultProxy proxy = await HttpFaultProxy.StartAsync("consul", $"http://{agent.Address}", FaultPlan.None);
        proxy.FailNext("PUT /v1/agent/service/deregister/web-1", "drop-before");
        proxy.FailNext("PUT /v1/agent/service/deregister/api-1", "drop-before");
        proxy.FailNext("PUT /v1/agent/leave", "drop-before");
        var logger = new RecordingLogger<ConsulDeregistrationStep>();

        StepOutcome outcome = await ConsulTestData.Step(null, logger).RunAsync(ConsulTestData.Request(ConsulTestData.ConsulConfig(proxy.Port)), CancellationToken.None);

        Assert.True(outcome.Status == StepStatus.Done, $"{outcome.Status}: {outcome.Reason}");
        Assert.Equal(3, proxy.Calls.Count(c => c.Fault == "drop-before"));
        Assert.Empty(agent.ServiceIds);
    }

    [Fact]
    public async Task Consul_AgentNeverAnswers_FallsBackWithoutRetrying()
    {
        // The retry is for an agent that answered earlier in the run; one that never did is treated as gone at once.
        var logger = new RecordingLogger<ConsulDeregistrationStep>();

        StepOutcome outcome = await ConsulTestData.Step(null, logger).RunAsync(ConsulTestData.Request(ConsulTestData.ConsulConfig(FakeConsul.ClosedPort())), CancellationToken.None);

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.DoesNotContain("retry 1 of", logger.AllText, StringComparison.Ordinal);
    }
}
