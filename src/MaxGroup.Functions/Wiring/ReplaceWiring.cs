using MaxGroup.Core.Steps;
using MaxGroup.Core.Steps.Prewarm;
using MaxGroup.Core.Steps.Replace;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Wiring;

/// <summary>The replace function: the replace step, and the same step as the function runs it (recording the reuse of a pre-warmed successor).</summary>
public sealed class ReplaceWiring
{
    public ReplaceWiring(FunctionServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        ILoggerFactory loggers = services.Loggers;
        Step = new ReplaceStep(services.Aws.AutoScaling, services.Launcher, services.Inventory, services.Ledger, services.Time, services.Metrics, loggers.CreateLogger<ReplaceStep>(),
            poolBans: services.PoolBans);
        Remediation = new PrewarmReuseRecorder(Step, services.Prewarms, services.Ledger, services.Time, services.Metrics, loggers.CreateLogger<PrewarmReuseRecorder>());
    }

    public ReplaceStep Step { get; }

    /// <summary>The replace step as the replace function (and the dispatcher in-process) runs it.</summary>
    public IRemediationStep Remediation { get; }
}
