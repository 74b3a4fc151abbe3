using MaxGroup.Aws;
using MaxGroup.Aws.Config;
using MaxGroup.Aws.Ec2;
using MaxGroup.Aws.Eks;
using MaxGroup.Aws.Lambda;
using MaxGroup.Aws.Preaction;
using MaxGroup.Aws.Ssm;
using MaxGroup.Consul;
using MaxGroup.Core.Config;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Preaction;
using MaxGroup.Core.Steps;
using MaxGroup.Core.Steps.Consul;
using MaxGroup.Core.Steps.Drain;
using MaxGroup.Core.Steps.Volume;
using MaxGroup.Functions.Dispatch;
using MaxGroup.Functions.Handlers;
using MaxGroup.Kubernetes.Budget;
using MaxGroup.Kubernetes.Cluster;
using MaxGroup.Kubernetes.Drain;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Composition;

/// <summary>
/// The object graph of one execution environment (or one `maxgroup invoke`): every client and step is built once,
/// lazily, by the first handler that needs it, so a function never creates what it does not use (the drain
/// function builds no Consul client, a remediation function reads no group config).
/// </summary>
public sealed class MaxGroupRoot
{
    private readonly HandlerServices _services;
    private readonly Func<string, string?> _get;
    private readonly Lazy<AwsClientFactory> _aws;
    private readonly Lazy<GroupConfigProvider> _configs;
    private readonly Lazy<DispatchComposition> _dispatch;
    private readonly Lazy<VolumeMover> _volumeMover;
    private readonly Lazy<VolumeStep> _volume;
    private readonly Lazy<DrainStep> _drain;
    private readonly Lazy<ConsulDeregistrationStep> _consul;
    private readonly Lazy<PreactionService> _preaction;

    private MaxGroupRoot(HandlerServices services)
    {
        _services = services;
        _get = services.Environment.Get;
        TimeProvider time = services.Time;
        ILoggerFactory loggers = services.LoggerFactory;
        _aws = new(() => new AwsClientFactory(new AwsEnvironment(_get), time, services.Options.Credentials));
        _configs = new(() => GroupConfigProviderFactory.Create(Aws, _get, time, loggers, services.Metrics));
        _volumeMover = new(() => new VolumeMover(
            new Ec2VolumeApi(Aws.Ec2),
            time,
            loggers.CreateLogger<VolumeMover>(),
            services.Metrics,
            Aws.AutoScaling,
            new LedgerSuccessorLookup(Dispatch.Ledger)));
        _volume = new(() => new VolumeStep(_volumeMover.Value, loggers.CreateLogger<VolumeStep>()));
        _drain = new(() => new DrainStep(
            new KubernetesNodeDrainers(new KubernetesClientFactory(
                new EksClusterLocator(Aws.Eks),
                cluster => services.Options.Credentials is { } credentials
                    ? new EksTokenProvider(credentials, Aws.Region, cluster, time)
                    : EksTokenProvider.ForDefaultCredentials(Aws.Region, cluster, time),
                ApiRateBudget.FromEnvironment(_get, time),
                _get(KubernetesClientFactory.KubeconfigVariable))),
            time,
            loggers.CreateLogger<DrainStep>(),
            services.Metrics));
        _consul = new(() => new ConsulDeregistrationStep(
            new ConsulApiClient(ConsulApiClient.CreateHttpClient(), time),
            new SsmSecureParameterReader(Aws.Ssm),
            time,
            loggers.CreateLogger<ConsulDeregistrationStep>()));
        _dispatch = new(CreateDispatch);
        _preaction = new(CreatePreaction);
    }

    public AwsClientFactory Aws => _aws.Value;

    public DispatchComposition Dispatch => _dispatch.Value;

    /// <summary>The one root of this execution environment.</summary>
    public static MaxGroupRoot Of(HandlerServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetShared(static s => new MaxGroupRoot(s));
    }

    public IFunctionHandler DispatcherHandler() => Dispatch.DispatcherHandler();

    public IFunctionHandler ReplaceHandler() => Dispatch.RemediationHandler(Dispatch.ReplaceRemediation);

    public IFunctionHandler VolumeHandler() => new VolumeFunctionHandler(
        Dispatch.RemediationHandler(_volume.Value),
        InProcessVolumeTriggers(),
        _services.LoggerFactory.CreateLogger<VolumeFunctionHandler>());

    public IFunctionHandler DrainHandler() => Dispatch.RemediationHandler(_drain.Value);

    public IFunctionHandler ConsulHandler() => Dispatch.RemediationHandler(_consul.Value);

    public IFunctionHandler PreactionHandler() => new PreactionHandler(
        _preaction.Value,
        _services.Options.DryRun || string.Equals(_get("MAXGROUP_DRY_RUN"), "true", StringComparison.OrdinalIgnoreCase),
        _services.LoggerFactory.CreateLogger<PreactionHandler>());

    /// <summary>
    /// Preaction runs the drain and Consul steps in-process on the old instance (no 120 s reclaim to race, so no
    /// separate functions), and its own volume mover: the successor is known, so no ledger lookup is needed.
    /// </summary>
    private PreactionService CreatePreaction()
    {
        TimeProvider time = _services.Time;
        ILoggerFactory loggers = _services.LoggerFactory;
        string table = _get(DynamoDbPreactionBatchStore.TableVariable) is { Length: > 0 } name ? name : DynamoDbPreactionBatchStore.DefaultTableName;
        var executor = new PreactionExecutor(
            Aws.AutoScaling,
            new Ec2PreactionInstanceApi(Aws.Ec2),
            new Ec2SuccessorLauncher(Aws.Ec2),
            new DynamoDbPreactionBatchStore(Aws.DynamoDb, table),
            HttpSpotAdvisorSource.FromEnvironment(_get, new HttpClient(), time, loggers.CreateLogger<HttpSpotAdvisorSource>()),
            new VolumeMover(new Ec2VolumeApi(Aws.Ec2), time, loggers.CreateLogger<VolumeMover>(), _services.Metrics, Aws.AutoScaling),
            [new DeferredStep(StepNames.Drain, () => _drain.Value), new DeferredStep(StepNames.Consul, () => _consul.Value)],
            time,
            _services.Metrics,
            loggers.CreateLogger<PreactionExecutor>(),
            PreactionOptions.FromEnvironment(_get, Aws.Region));
        return new PreactionService(Aws.AutoScaling, new DeferredConfigSource(_configs), executor, loggers.CreateLogger<PreactionService>());
    }

    private VolumeTriggers InProcessVolumeTriggers() =>
        new(_volumeMover.Value, _services.Time, _services.LoggerFactory.CreateLogger<VolumeTriggers>(), Dispatch.Ledger);

    /// <summary>
    /// In Lambda the dispatcher forwards volume events to the volume function (only its role touches volumes); in-process
    /// (`--inline`, the demo) the triggers run here. Built on the first event, after the dispatcher itself exists.
    /// </summary>
    private IVolumeTriggers CreateVolumeTriggers() => _services.Options.Inline
        ? InProcessVolumeTriggers()
        : new VolumeEventForwarder(
            Aws.Lambda,
            LambdaFunctionInvoker.FunctionNamesFromEnvironment(_get)[StepNames.Volume],
            Dispatch.Ledger,
            new DeferredConfigSource(_configs),
            _services.LoggerFactory.CreateLogger<VolumeEventForwarder>());

    private DispatchComposition CreateDispatch()
    {
        bool inline = _services.Options.Inline;
        IEnumerable<IRemediationStep>? steps = inline
            ? [new DeferredStep(StepNames.Volume, () => _volume.Value), new DeferredStep(StepNames.Drain, () => _drain.Value), new DeferredStep(StepNames.Consul, () => _consul.Value)]
            : null;
        var triggers = new Lazy<IVolumeTriggers>(CreateVolumeTriggers);
        return DispatchComposition.Create(
            Aws,
            new DeferredConfigSource(_configs),
            _get,
            _services.Time,
            _services.LoggerFactory,
            _services.Metrics,
            inline,
            volumeTriggers: new DeferredVolumeTriggers(() => triggers.Value),
            otherSteps: steps,
            forceDryRun: _services.Options.DryRun);
    }

    /// <summary>Reads group configs only when first asked: remediation functions never need MAXGROUP_CONFIG_BUCKET.</summary>
    private sealed class DeferredConfigSource(Lazy<GroupConfigProvider> provider) : IGroupConfigSource
    {
        public Task<GroupConfigLookup> GetAsync(string groupName, CancellationToken cancellationToken) =>
            ((IGroupConfigSource)provider.Value).GetAsync(groupName, cancellationToken);
    }

    /// <summary>Builds a step's clients only when a group actually uses the step.</summary>
    private sealed class DeferredStep(string name, Func<IRemediationStep> create) : IRemediationStep
    {
        private readonly Lazy<IRemediationStep> _step = new(create);

        public string Name => name;

        public Task<StepOutcome> RunAsync(RemediationRequest request, CancellationToken cancellationToken) => _step.Value.RunAsync(request, cancellationToken);

        public bool EndsAtReclaim(RemediationRequest request) => _step.Value.EndsAtReclaim(request);
    }

    /// <summary>Breaks the cycle between the dispatcher and triggers that need the dispatcher's ledger.</summary>
    private sealed class DeferredVolumeTriggers(Func<IVolumeTriggers> triggers) : IVolumeTriggers
    {
        public Task<DispatchResult> OnInstanceStateChangeAsync(Core.Model.MaxGroupEvent.InstanceStateChange stateChange, CancellationToken cancellationToken) =>
            triggers().OnInstanceStateChangeAsync(stateChange, cancellationToken);

        public Task<DispatchResult> OnInstanceLaunchAsync(Core.Model.MaxGroupEvent.AutoScalingLaunch launch, CancellationToken cancellationToken) =>
            triggers().OnInstanceLaunchAsync(launch, cancellationToken);

        public Task<DispatchResult> SweepAsync(Core.Model.MaxGroupEvent.Scheduled scheduled, CancellationToken cancellationToken) =>
            triggers().SweepAsync(scheduled, cancellationToken);
    }
}
