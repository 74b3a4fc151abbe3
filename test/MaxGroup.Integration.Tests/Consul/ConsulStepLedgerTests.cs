using MaxGroup.Core.Ledger;
using MaxGroup.Core.Runner;
using MaxGroup.Core.Steps.Consul;
using static MaxGroup.Integration.Tests.Consul.ConsulTestData;

namespace MaxGroup.Integration.Tests.Consul;

/// <summary>The Consul step run the way the remediation handler runs it: through RemediationRunner and a ledger.</summary>
public sealed class ConsulStepLedgerTests
{
    [Fact]
    public async Task RunnerRunsConsulStep_LedgerKeepsEachServiceId_SecondDeliveryChangesNothing()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.AddService("web-1", "web");
        agent.AddService("api-1", "api");
        var logger = new RecordingLogger<ConsulDeregistrationStep>();
        var ledger = new InMemoryLedger();
        RemediationRequest request = Request(ConsulConfig(agent.Port));
        await ledger.TryBeginInterruptionAsync(
            new InterruptionRecord
            {
                InstanceId = request.Instance.InstanceId,
                GroupName = "web-asg",
                EventIds = [request.EventId],
                WarningTime = request.WarningTime,
                ReclaimAt = request.ReclaimAt,
                Steps = [new StepRecord { Name = StepNames.Consul }],
            },
            new InFlightLimits(),
            DateTimeOffset.UtcNow,
            CancellationToken.None);
        var runner = new RemediationRunner(ledger, TimeProvider.System, NullMetrics.Instance, logger);
        ConsulDeregistrationStep step = Step(null, logger);

        StepOutcome first = await runner.RunAsync(step, request, CancellationToken.None);
        int putsAfterFirst = agent.Puts.Count;
        StepOutcome second = await runner.RunAsync(step, request, CancellationToken.None);

        Assert.Equal(StepStatus.Done, first.Status);
        InterruptionRecord? record = await ledger.GetAsync(request.Instance.InstanceId, CancellationToken.None);
        StepRecord consul = Assert.IsType<StepRecord>(record!.FindStep(StepNames.Consul));
        Assert.Equal(StepStatus.Done, consul.Status);
        Assert.Equal("web-1,api-1", consul.Details["deregistered_services"]);
        Assert.Equal(StepStatus.NoOp, second.Status);
        Assert.Equal(putsAfterFirst, agent.Puts.Count);
    }
}
