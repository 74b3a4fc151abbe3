using MaxGroup.Aws;
using MaxGroup.Aws.Capacity;
using MaxGroup.Aws.Config;
using MaxGroup.Aws.Ec2;
using MaxGroup.Aws.Events;
using MaxGroup.Aws.Ledger;
using MaxGroup.Aws.Rebalance;
using MaxGroup.Core.Ledger;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Runner;
using MaxGroup.Core.Steps.Backfill;
using MaxGroup.Core.Steps.Prewarm;
using MaxGroup.Functions.Runtime;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Wiring;

/// <summary>
/// What every function's wiring builds from, one instance per execution environment (Lambda) or per host
/// (`maxgroup invoke`, the demo): the environment, clock, loggers, metrics and invocation options, and the AWS clients
/// and adapters several functions share. Each shared piece is created once, on first use, so a function never creates
/// what it does not use (a remediation function reads no group config).
/// </summary>
public sealed class FunctionServices
{
    private readonly Lazy<AwsClientFactory> _aws;
    private readonly Lazy<IGroupConfigSource> _configs;
    private readonly Lazy<ILedger> _ledger;
    private readonly Lazy<IPrewarmLedger> _prewarms;
    private readonly Lazy<Ec2InstanceInventory> _inventory;
    private readonly Lazy<Ec2SuccessorLauncher> _launcher;
    private readonly Lazy<IHandoverEvents> _events;
    private readonly Lazy<HandoverNotifier> _notifier;

    /// <summary>`off` stops the hand-over events (EventBridge PutEvents); anything else, or unset, publishes them.</summary>
    public const string HandoverEventsVariable = "MAXGROUP_HANDOVER_EVENTS";
    private readonly Lazy<ISpotPoolBans> _poolBans;
    private readonly Lazy<IBackfillLedger> _backfills;

    /// <summary>The services of an execution environment: clients from the environment's variables, configs from S3 and tags, the DynamoDB ledger.</summary>
    /// <param name="environment">The process environment (AWS_*, MAXGROUP_*).</param>
    /// <param name="time">Deadlines and delays.</param>
    /// <param name="loggers">Loggers (Powertools JSON in Lambda).</param>
    /// <param name="metrics">Metrics (EMF in Lambda).</param>
    /// <param name="options">How the caller runs the functions.</param>
    public FunctionServices(IEnvironmentVariables environment, TimeProvider time, ILoggerFactory loggers, IMetrics metrics, InvocationOptions options)
        : this(Require(environment).Get, time, loggers, metrics, options, aws: null, configs: null, ledger: null)
    {
    }

    /// <summary>Services over given clients and configs (tests and benches build scenes this way).</summary>
    /// <param name="aws">The clients (AWS_ENDPOINT_URL honoured by the factory).</param>
    /// <param name="configs">The group config source.</param>
    /// <param name="getVariable">Environment: MAXGROUP_LEDGER_TABLE, MAXGROUP_MAX_IN_FLIGHT(_PER_GROUP), MAXGROUP_DRY_RUN, MAXGROUP_FUNCTION_*.</param>
    /// <param name="time">Deadlines and delays.</param>
    /// <param name="loggers">Loggers.</param>
    /// <param name="metrics">Metrics.</param>
    /// <param name="options">How the caller runs the functions (inline, dry run).</param>
    /// <param name="ledger">Overrides the DynamoDB ledger (a ledger in memory keeps pre-warms in memory too).</param>
    public FunctionServices(AwsClientFactory aws, IGroupConfigSource configs, Func<string, string?> getVariable, TimeProvider time, ILoggerFactory loggers, IMetrics metrics, InvocationOptions options, ILedger? ledger = null)
        : this(getVariable, time, loggers, metrics, options, aws ?? throw new ArgumentNullException(nameof(aws)), configs ?? throw new ArgumentNullException(nameof(configs)), ledger)
    {
    }

    private FunctionServices(Func<string, string?> getVariable, TimeProvider time, ILoggerFactory loggers, IMetrics metrics, InvocationOptions options, AwsClientFactory? aws, IGroupConfigSource? configs, ILedger? ledger)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(loggers);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(options);
        Get = getVariable;
        Time = time;
        Loggers = loggers;
        Metrics = metrics;
        Options = options;
        _aws = aws is null ? new(() => new AwsClientFactory(new AwsEnvironment(getVariable), time, options.Credentials)) : new(aws);
        _configs = configs is null ? new(() => GroupConfigProviderFactory.Create(Aws, getVariable, time, loggers, metrics)) : new(configs);
        Configs = new DeferredConfigSource(_configs);
        _ledger = ledger is null ? new(() => new DynamoDbLedger(Aws.DynamoDb, LedgerTableName(getVariable))) : new(ledger);
        // Pre-warm records live in the ledger's table (keys prewarm#<instance-id>); a ledger in memory keeps them in memory.
        _prewarms = new(() => Ledger is DynamoDbLedger ? new DynamoDbPrewarmLedger(Aws.DynamoDb, LedgerTableName(getVariable)) : new InMemoryPrewarmLedger());
        _inventory = new(() => new Ec2InstanceInventory(Aws.Ec2));
        _launcher = new(() => new Ec2SuccessorLauncher(Aws.Ec2));
        _events = new(() => string.Equals(getVariable(HandoverEventsVariable), "off", StringComparison.OrdinalIgnoreCase)
            ? NullHandoverEvents.Instance
            : new EventBridgeHandoverEvents(Aws.Events, time));
        _notifier = new(() => new HandoverNotifier(new DeferredHandoverEvents(_events), time, metrics, loggers.CreateLogger<HandoverNotifier>()));
        // Spot pool bans live in the ledger's table too (one item, #spot-pool-bans), so every function sees a warning's ban.
        _poolBans = new(() => Ledger is DynamoDbLedger ? new DynamoDbSpotPoolBans(Aws.DynamoDb, LedgerTableName(getVariable)) : new InMemorySpotPoolBans());
        // Backfill claims too (keys #backfill#<group>#<activity>): one backfill per failed launch, whichever function delivery runs it.
        _backfills = new(() => Ledger is DynamoDbLedger ? new DynamoDbBackfillLedger(Aws.DynamoDb, LedgerTableName(getVariable)) : new InMemoryBackfillLedger());
    }

    /// <summary>Reads one environment variable (null when unset).</summary>
    public Func<string, string?> Get { get; }

    public TimeProvider Time { get; }

    public ILoggerFactory Loggers { get; }

    public IMetrics Metrics { get; }

    public InvocationOptions Options { get; }

    public AwsClientFactory Aws => _aws.Value;

    /// <summary>Group configs, read only when first asked: remediation functions never need MAXGROUP_CONFIG_BUCKET.</summary>
    public IGroupConfigSource Configs { get; }

    /// <summary>The interruption ledger every function shares.</summary>
    public ILedger Ledger => _ledger.Value;

    /// <summary>Pre-warm records (same table as the ledger).</summary>
    public IPrewarmLedger Prewarms => _prewarms.Value;

    /// <summary>Instance facts, for the dispatcher and the replace step.</summary>
    public IInstanceInventory Inventory => _inventory.Value;

    /// <summary>Successor launches, for the dispatcher and the replace step.</summary>
    public ISuccessorLauncher Launcher => _launcher.Value;

    /// <summary>Where the hand-over events go: EventBridge's default bus, unless MAXGROUP_HANDOVER_EVENTS is off.</summary>
    public IHandoverEvents HandoverEvents => _events.Value;

    /// <summary>Publishes the hand-over events best effort (bounded, failures counted), for the dispatcher and the runner.</summary>
    public HandoverNotifier Notifier => _notifier.Value;

    /// <summary>Spot pools banned after a warning (same table as the ledger), for the dispatcher and every launch.</summary>
    public ISpotPoolBans PoolBans => _poolBans.Value;

    /// <summary>Backfill claims and progress (same table as the ledger), for the dispatcher.</summary>
    public IBackfillLedger Backfills => _backfills.Value;

    /// <summary>The ledger table: MAXGROUP_LEDGER_TABLE, or the default name.</summary>
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

    private static IEnvironmentVariables Require(IEnvironmentVariables environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return environment;
    }

    /// <summary>Builds the EventBridge client on the first event, not when the functions are wired.</summary>
    private sealed class DeferredHandoverEvents(Lazy<IHandoverEvents> events) : IHandoverEvents
    {
        public Task PublishAsync(string detailType, HandoverSummary detail, CancellationToken cancellationToken) =>
            events.Value.PublishAsync(detailType, detail, cancellationToken);
    }

    /// <summary>Builds the config provider on the first lookup, not when the functions are wired.</summary>
    private sealed class DeferredConfigSource(Lazy<IGroupConfigSource> source) : IGroupConfigSource
    {
        public Task<GroupConfigLookup> GetAsync(string groupName, CancellationToken cancellationToken) => source.Value.GetAsync(groupName, cancellationToken);

        public Task<GroupConfigLookup> GetAsync(string groupName, Task<AutoScalingGroupInfo?> describing, CancellationToken cancellationToken) =>
            source.Value.GetAsync(groupName, describing, cancellationToken);
    }
}
