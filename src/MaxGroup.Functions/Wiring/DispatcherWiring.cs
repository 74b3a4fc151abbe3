using MaxGroup.Aws.Ec2;
using MaxGroup.Aws.Lambda;
using MaxGroup.Aws.Rebalance;
using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Runner;
using MaxGroup.Core.Steps;
using MaxGroup.Core.Steps.Drain;
using MaxGroup.Core.Steps.Backfill;
using MaxGroup.Core.Steps.Prewarm;
using MaxGroup.Core.Steps.Volume;
using MaxGroup.Functions.Handlers;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Wiring;

/// <summary>
/// The dispatcher function, and the remediation runner every remediation function runs its step through: in process
/// (`--inline`) the two need each other, the dispatcher starting steps through the runner and the runner resuming
/// queued interruptions through the dispatcher, so they are built together.
/// </summary>
public sealed class DispatcherWiring
{
    private readonly ILoggerFactory _loggers;

    private DispatcherWiring(FunctionServices services, ReplaceWiring replace, Dispatcher dispatcher, RemediationRunner runner)
    {
        Services = services;
        Replace = replace;
        Dispatcher = dispatcher;
        Runner = runner;
        _loggers = services.Loggers;
    }

    public FunctionServices Services { get; }

    /// <summary>The replace step the dispatcher starts (and runs in-process).</summary>
    public ReplaceWiring Replace { get; }

    public Dispatcher Dispatcher { get; }

    public RemediationRunner Runner { get; }

    public ILedger Ledger => Services.Ledger;

    public IInstanceInventory Inventory => Services.Inventory;

    public IPrewarmLedger Prewarms => Services.Prewarms;

    /// <param name="services">The shared clients; <see cref="InvocationOptions.Inline"/> runs the steps in-process, <see cref="InvocationOptions.DryRun"/> runs every group dry.</param>
    /// <param name="volumeTriggers">The volume step's triggers; null = a no-op that says so.</param>
    /// <param name="otherSteps">The volume, drain and Consul steps (needed in-process only).</param>
    /// <param name="replace">The replace function's step; null = built here.</param>
    /// <param name="lambdaInvoker">Overrides the Lambda invoker when not inline (tests that capture the payload sent).</param>
    /// <param name="terminatedNodes">Acts on a drained group's terminated instance's Node (<see cref="DrainWiring.DispatcherRunner"/>); null = nothing.</param>
    public static DispatcherWiring Create(
        FunctionServices services,
        IVolumeTriggers? volumeTriggers = null,
        IEnumerable<IRemediationStep>? otherSteps = null,
        ReplaceWiring? replace = null,
        IFunctionInvoker? lambdaInvoker = null,
        ITerminatedNodeRunner? terminatedNodes = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        replace ??= new ReplaceWiring(services);
        bool inline = services.Options.Inline;
        ILedger ledger = services.Ledger;
        TimeProvider clock = services.Time;
        IMetrics metrics = services.Metrics;
        ILoggerFactory loggers = services.Loggers;

        DispatcherOptions options = DispatcherOptions.FromEnvironment(services.Get);
        options = services.Options.DryRun ? options with { ForceDryRun = true } : options;
        // The begin claims the replace step for the request it sends (one write fewer before the successor request). In
        // process a request is delivered exactly once, so the claim is trusted as it is; through Lambda, which may deliver
        // an asynchronous invocation twice, it travels as a token the replace function consumes once.
        options = options with { ClaimFirstStep = true, IssueClaimTokens = !inline };

        // In process the invoker runs steps through the runner, whose queue resumer is the dispatcher that uses the
        // invoker: the invoker reads the runner when a step starts, by then both exist.
        RemediationRunner? runner = null;
        IFunctionInvoker invoker = inline
            ? new InProcessFunctionInvoker([replace.Remediation, .. otherSteps ?? []], () => runner!)
            : lambdaInvoker ?? new LambdaFunctionInvoker(services.Aws.Lambda, LambdaFunctionInvoker.FunctionNamesFromEnvironment(services.Get));
        var dispatcher = new Dispatcher(
            services.Inventory,
            services.Configs,
            ledger,
            invoker,
            volumeTriggers ?? NullVolumeTriggers.Instance,
            options,
            clock,
            metrics,
            loggers.CreateLogger<Dispatcher>(),
            services.Aws.AutoScaling,
            services.Launcher)
        {
            Notifier = services.Notifier,
            VolumeGuard = new DataVolumeGuard(new Ec2VolumeApi(services.Aws.Ec2), loggers.CreateLogger<DataVolumeGuard>()),
            PoolBans = services.PoolBans,
            TerminatedNodes = terminatedNodes is null
                ? null
                : new TerminatedNodeTrigger(services.Inventory, services.Configs, ledger, terminatedNodes, loggers.CreateLogger<TerminatedNodeTrigger>(), options.ForceDryRun),
            // The dispatcher backfills a failed launch itself, as it pre-warms: no two-minute deadline, one launch and one
            // attach fit its timeout, and the event, the group's config and the ledger are already here (no extra hop).
            Backfill = new GroupBackfill(
                services.Configs,
                services.Aws.AutoScaling,
                services.Inventory,
                services.Launcher,
                services.Backfills,
                new BackfillOptions { ForceDryRun = options.ForceDryRun },
                clock,
                metrics,
                loggers.CreateLogger<GroupBackfill>())
            {
                PoolBans = services.PoolBans,
            },
            Rebalance = new RebalancePrewarmer(
                services.Inventory,
                services.Configs,
                services.Aws.AutoScaling,
                services.Launcher,
                services.Prewarms,
                new Ec2PrewarmFleet(services.Aws.Ec2),
                ledger,
                RebalanceOptions.FromEnvironment(services.Get) with { ForceDryRun = options.ForceDryRun },
                clock,
                metrics,
                loggers.CreateLogger<RebalancePrewarmer>()),
        };
        // Only in process does a finished step resume queued interruptions itself: in Lambda the dispatcher resumes them
        // on its next invocation (the sweep schedule guarantees one), so remediation roles need no dispatcher rights.
        runner = new RemediationRunner(ledger, clock, metrics, loggers.CreateLogger<RemediationRunner>(), inline ? dispatcher : null)
        {
            HonoursUntokenedClaims = inline,
            Notifier = services.Notifier,
        };
        return new DispatcherWiring(services, replace, dispatcher, runner);
    }

    public DispatcherHandler Handler() => new(Dispatcher, _loggers.CreateLogger<DispatcherHandler>());

    /// <summary>The handler of one remediation function; pass the replace, drain or Consul step.</summary>
    public RemediationHandler RemediationHandler(IRemediationStep step) => new(step, Runner, _loggers.CreateLogger<RemediationHandler>());
}
