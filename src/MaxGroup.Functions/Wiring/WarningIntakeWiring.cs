using MaxGroup.Aws.Ec2;
using MaxGroup.Aws.Lambda;
using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Runner;
using MaxGroup.Core.Steps.Volume;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Wiring;

/// <summary>
/// The replace function's own intake of a Spot warning (the warning rule targets it beside the dispatcher): the
/// dispatcher's intake, with the replace step run here, in this process, once this delivery's begin has claimed it (no
/// Invoke hop, no claim token to consume), and every other step started through Lambda as the dispatcher starts it.
/// The ledger's conditional begin lets one of the two deliveries begin; the other answers Duplicate.
/// </summary>
public static class WarningIntakeWiring
{
    /// <param name="services">The replace function's services.</param>
    /// <param name="replace">The replace step as the function runs it.</param>
    /// <param name="lambdaInvoker">Overrides the Lambda invoker of the other steps (tests that capture what is sent).</param>
    public static Dispatcher Create(FunctionServices services, ReplaceWiring replace, IFunctionInvoker? lambdaInvoker = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(replace);
        ILoggerFactory loggers = services.Loggers;
        DispatcherOptions options = DispatcherOptions.FromEnvironment(services.Get);
        // The claim of the begin is made by this process for the run in this process: trusted as it is, as `--inline`
        // trusts it (a request handed over in-process is delivered exactly once). No grace: this is the delivery that
        // is meant to begin; the dispatcher's waits for it.
        options = options with
        {
            ForceDryRun = options.ForceDryRun || services.Options.DryRun,
            ClaimFirstStep = true,
            IssueClaimTokens = false,
            SiblingIntake = true,
            SiblingGrace = TimeSpan.Zero,
        };
        // Its own runner: it honours the untokened claim of this process's begin, while the function's handler of invoked
        // requests keeps the runner that trusts only a consumed token.
        var runner = new RemediationRunner(services.Ledger, services.Time, services.Metrics, loggers.CreateLogger<RemediationRunner>())
        {
            HonoursUntokenedClaims = true,
            Notifier = services.Notifier,
        };
        IFunctionInvoker others = lambdaInvoker ?? new LambdaFunctionInvoker(services.Aws.Lambda, LambdaFunctionInvoker.FunctionNamesFromEnvironment(services.Get));
        var invoker = new LocalStepInvoker(StepNames.Replace, new InProcessFunctionInvoker([replace.Remediation], () => runner), others);
        return new Dispatcher(
            services.Inventory,
            services.Configs,
            services.Ledger,
            invoker,
            NullVolumeTriggers.Instance,
            options,
            services.Time,
            services.Metrics,
            loggers.CreateLogger<Dispatcher>(),
            services.Aws.AutoScaling,
            services.Launcher)
        {
            Notifier = services.Notifier,
            // The crash fix holds here too: DeleteOnTermination off before this delivery's begin.
            VolumeGuard = new DataVolumeGuard(new Ec2VolumeApi(services.Aws.Ec2), loggers.CreateLogger<DataVolumeGuard>()),
            PoolBans = services.PoolBans,
        };
    }
}
