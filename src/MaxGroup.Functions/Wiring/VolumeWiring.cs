using MaxGroup.Aws.Ec2;
using MaxGroup.Aws.Lambda;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Runner;
using MaxGroup.Core.Steps.Volume;
using MaxGroup.Functions.Handlers;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Wiring;

/// <summary>
/// The volume function: one volume mover per execution environment, the volume step the warning starts, and the
/// triggers (state change, launch, sweep) that complete the moves in progress.
/// </summary>
public sealed class VolumeWiring
{
    private readonly FunctionServices _services;

    public VolumeWiring(FunctionServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        _services = services;
        ILoggerFactory loggers = services.Loggers;
        Mover = new VolumeMover(
            new Ec2VolumeApi(services.Aws.Ec2),
            services.Time,
            loggers.CreateLogger<VolumeMover>(),
            services.Metrics,
            services.Aws.AutoScaling,
            new LedgerSuccessorLookup(services.Ledger));
        Step = new VolumeStep(Mover, services.Time, loggers.CreateLogger<VolumeStep>());
        Triggers = new VolumeTriggers(Mover, services.Time, loggers.CreateLogger<VolumeTriggers>(), services.Ledger);
    }

    public VolumeMover Mover { get; }

    public VolumeStep Step { get; }

    /// <summary>The triggers as the volume function runs them, in this process.</summary>
    public VolumeTriggers Triggers { get; }

    /// <summary>
    /// The dispatcher's volume triggers. In Lambda the dispatcher forwards volume events to the volume function (only
    /// its role touches volumes); in-process (`--inline`, the demo) the triggers of <paramref name="volume"/> run here.
    /// </summary>
    public static IVolumeTriggers DispatcherTriggers(FunctionServices services, Func<VolumeWiring> volume)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(volume);
        return services.Options.Inline
            ? volume().Triggers
            : new VolumeEventForwarder(
                services.Aws.Lambda,
                LambdaFunctionInvoker.FunctionNamesFromEnvironment(services.Get)[StepNames.Volume],
                services.Ledger,
                services.Configs,
                services.Loggers.CreateLogger<VolumeEventForwarder>());
    }

    /// <summary>The volume function's handler: remediation requests through <paramref name="runner"/>, forwarded events to the triggers.</summary>
    public VolumeFunctionHandler Handler(RemediationRunner runner) => new(
        new RemediationHandler(Step, runner, _services.Loggers.CreateLogger<RemediationHandler>()),
        Triggers,
        _services.Loggers.CreateLogger<VolumeFunctionHandler>());
}
