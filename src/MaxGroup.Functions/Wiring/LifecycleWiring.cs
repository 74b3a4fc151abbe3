using MaxGroup.Core.Steps;
using MaxGroup.Core.Steps.Lifecycle;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Wiring;

/// <summary>The lifecycle step (heartbeats while drain and Consul run, then CompleteLifecycleAction), as the lifecycle function and the dispatcher in-process run it.</summary>
public static class LifecycleWiring
{
    public static IRemediationStep CreateStep(FunctionServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new LifecycleHookStep(services.Ledger, services.Aws.AutoScaling, services.Time, services.Loggers.CreateLogger<LifecycleHookStep>());
    }
}
