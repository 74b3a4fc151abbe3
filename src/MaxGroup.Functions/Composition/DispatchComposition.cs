using MaxGroup.Aws;
using MaxGroup.Aws.Ec2;
using MaxGroup.Aws.Lambda;
using MaxGroup.Aws.Ledger;
using MaxGroup.Aws.Rebalance;
using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Runner;
using MaxGroup.Core.Steps;
using MaxGroup.Core.Steps.Prewarm;
using MaxGroup.Core.Steps.Replace;
using MaxGroup.Core.Steps.Volume;
using MaxGroup.Functions.Dispatch;
using MaxGroup.Functions.Handlers;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Composition;

/// <summary>
/// Wires the dispatcher, the ledger, the replace step and the remediation runner from AWS clients: the one place
/// that constructs them, for the handler catalog (Lambda) and the CLI (`invoke`, `--inline`).
/// </summary>
public sealed class DispatchComposition
{
    private readonly Func<RemediationRunner> _runner;

    private DispatchComposition(ILedger ledger, IInstanceInventory inventory, ReplaceStep replace, Dispatcher dispatcher, Func<RemediationRunner> runner, ILoggerFactory loggers)
    {
        Ledger = ledger;
        Inventory = inventory;
        Replace = replace;
        Dispatcher = dispatcher;
        _runner = runner;
        Loggers = loggers;
    }

    public ILedger Ledger { get; }

    public IInstanceInventory Inventory { get; }

    public ReplaceStep Replace { get; }

    public Dispatcher Dispatcher { get; }

    /// <summary>Pre-warm records (same table as the ledger, keys prewarm#&lt;instance-id&gt;).</summary>
    public IPrewarmLedger Prewarms { get; private init; } = new InMemoryPrewarmLedger();

    /// <summary>The replace step as the replace function runs it: it also records the reuse of a pre-warmed successor.</summary>
    public IRemediationStep ReplaceRemediation { get; private init; } = null!;

    public RemediationRunner Runner => _runner();

    private ILoggerFactory Loggers { get; }

    /// <param name="aws">The clients (AWS_ENDPOINT_URL honoured by the factory).</param>
    /// <param name="configs">The group config source (S3 files and tags).</param>
    /// <param name="getVariable">Environment: MAXGROUP_LEDGER_TABLE, MAXGROUP_MAX_IN_FLIGHT(_PER_GROUP), MAXGROUP_DRY_RUN, MAXGROUP_FUNCTION_*.</param>
    /// <param name="clock">Deadlines and delays.</param>
    /// <param name="loggers">Loggers (Powertools JSON in Lambda).</param>
    /// <param name="metrics">Metrics (EMF in Lambda).</param>
    /// <param name="inline">Run remediation steps in-process (CLI `--inline`) instead of invoking their functions.</param>
    /// <param name="volumeTriggers">The volume step's triggers; null = a no-op that says so.</param>
    /// <param name="otherSteps">volume, drain, consul steps (needed in-process only).</param>
    /// <param name="ledger">Overrides the DynamoDB ledger (tests, CLI without a table).</param>
    /// <param name="forceDryRun">CLI `--dry-run`: every group runs dry, whatever MAXGROUP_DRY_RUN and the group say.</param>
    /// <param name="lambdaInvoker">Overrides the Lambda invoker when not <paramref name="inline"/> (tests that capture the payload sent).</param>
    public static DispatchComposition Create(
        AwsClientFactory aws,
        IGroupConfigSource configs,
        Func<string, string?> getVariable,
        TimeProvider clock,
        ILoggerFactory loggers,
        IMetrics metrics,
        bool inline,
        IVolumeTriggers? volumeTriggers = null,
        IEnumerable<IRemediationStep>? otherSteps = null,
        ILedger? ledger = null,
        bool forceDryRun = false,
        IFunctionInvoker? lambdaInvoker = null)
    {
        ArgumentNullException.ThrowIfNull(aws);
        ArgumentNullException.ThrowIfNull(getVariable);
        ArgumentNullException.ThrowIfNull(loggers);
        ledger ??= new DynamoDbLedger(aws.DynamoDb, LedgerTableName(getVariable));
        var inventory = new Ec2InstanceInventory(aws.Ec2);
        var launcher = new Ec2SuccessorLauncher(aws.Ec2);
        var replace = new ReplaceStep(aws.AutoScaling, launcher, inventory, ledger, clock, metrics, loggers.CreateLogger<ReplaceStep>());
        // A ledger given in memory (CLI without a table) keeps pre-warms in memory too.
        IPrewarmLedger prewarms = ledger is DynamoDbLedger ? new DynamoDbPrewarmLedger(aws.DynamoDb, LedgerTableName(getVariable)) : new InMemoryPrewarmLedger();
        var replaceRemediation = new PrewarmReuseRecorder(replace, prewarms, ledger, clock, metrics, loggers.CreateLogger<PrewarmReuseRecorder>());

        DispatcherOptions options = DispatcherOptions.FromEnvironment(getVariable);
        options = forceDryRun ? options with { ForceDryRun = true } : options;
        // The begin claims the replace step for the request it sends (one write fewer before the successor request). In
        // process a request is delivered exactly once, so the claim is trusted as it is; through Lambda, which may deliver
        // an asynchronous invocation twice, it travels as a token the replace function consumes once.
        options = options with { ClaimFirstStep = true, IssueClaimTokens = !inline };

        // The runner resumes queued interruptions through the dispatcher, and the in-process invoker needs the
        // runner: break the cycle with a lazily created runner.
        Dispatcher? dispatcher = null;
        // Only in-process does a finished step resume queued interruptions itself: in Lambda the dispatcher resumes them
        // on its next invocation (the sweep schedule guarantees one), so remediation roles need no dispatcher rights.
        var runner = new Lazy<RemediationRunner>(() => new RemediationRunner(ledger, clock, metrics, loggers.CreateLogger<RemediationRunner>(), inline ? dispatcher : null)
        {
            HonoursUntokenedClaims = inline,
        });
        IFunctionInvoker invoker = inline
            ? new InProcessFunctionInvoker([replaceRemediation, .. otherSteps ?? []], () => runner.Value)
            : lambdaInvoker ?? new LambdaFunctionInvoker(aws.Lambda, LambdaFunctionInvoker.FunctionNamesFromEnvironment(getVariable));
        dispatcher = new Dispatcher(
            inventory,
            configs,
            ledger,
            invoker,
            volumeTriggers ?? NullVolumeTriggers.Instance,
            options,
            clock,
            metrics,
            loggers.CreateLogger<Dispatcher>(),
            aws.AutoScaling,
            launcher)
        {
            VolumeGuard = new DataVolumeGuard(new Ec2VolumeApi(aws.Ec2), loggers.CreateLogger<DataVolumeGuard>()),
            Rebalance = new RebalancePrewarmer(
                inventory,
                configs,
                aws.AutoScaling,
                launcher,
                prewarms,
                new Ec2PrewarmFleet(aws.Ec2),
                ledger,
                RebalanceOptions.FromEnvironment(getVariable) with { ForceDryRun = options.ForceDryRun },
                clock,
                metrics,
                loggers.CreateLogger<RebalancePrewarmer>()),
        };
        return new DispatchComposition(ledger, inventory, replace, dispatcher, () => runner.Value, loggers)
        {
            Prewarms = prewarms,
            ReplaceRemediation = replaceRemediation,
        };
    }

    public static string LedgerTableName(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        return getVariable(LedgerTable.TableVariable) is { Length: > 0 } name ? name : LedgerTable.DefaultName;
    }

    /// <summary>Against an emulator (AWS_ENDPOINT_URL set) the CLI creates the ledger table itself; in AWS the template does.</summary>
    public static async Task EnsureLedgerTableAsync(AwsClientFactory aws, Func<string, string?> getVariable, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(aws);
        ArgumentNullException.ThrowIfNull(getVariable);
        if (!string.IsNullOrEmpty(getVariable("AWS_ENDPOINT_URL")) || !string.IsNullOrEmpty(getVariable("AWS_ENDPOINT_URL_DYNAMODB")))
        {
            await LedgerTable.CreateIfMissingAsync(aws.DynamoDb, LedgerTableName(getVariable), clock, cancellationToken);
        }
    }

    public DispatcherHandler DispatcherHandler() => new(Dispatcher, Loggers.CreateLogger<DispatcherHandler>());

    /// <summary>The handler of one remediation function; pass the volume/drain/consul step for those.</summary>
    public RemediationHandler RemediationHandler(IRemediationStep step) => new(step, Runner, Loggers.CreateLogger<RemediationHandler>());
}
