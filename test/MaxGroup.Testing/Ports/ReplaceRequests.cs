using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Testing.Ports;

/// <summary>
/// A replace step's run as the dispatcher would hand it over: the interruption begun in the ledger with one replace
/// step, and the request for it (event "ev-1", the reclaim two minutes after the warning).
/// </summary>
public static class ReplaceRequests
{
    public static async Task<RemediationRequest> BeginAsync(ILedger ledger, InstanceFacts instance, GroupConfig config, DateTimeOffset warning)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(instance);
        await ledger.TryBeginInterruptionAsync(new InterruptionRecord
        {
            InstanceId = instance.InstanceId,
            EventIds = ["ev-1"],
            GroupName = config.GroupName,
            WarningTime = warning,
            ReclaimAt = warning.AddSeconds(120),
            Steps = [new StepRecord { Name = "replace" }],
        }, new InFlightLimits(), warning, CancellationToken.None);
        return new RemediationRequest
        {
            Step = "replace",
            EventId = "ev-1",
            WarningTime = warning,
            ReclaimAt = warning.AddSeconds(120),
            Instance = instance,
            Config = config,
        };
    }
}
