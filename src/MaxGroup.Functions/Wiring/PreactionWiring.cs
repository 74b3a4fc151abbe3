using MaxGroup.Aws.Ec2;
using MaxGroup.Aws.Preaction;
using MaxGroup.Core.Preaction;
using MaxGroup.Core.Steps;
using MaxGroup.Core.Steps.Volume;
using MaxGroup.Functions.Handlers;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Wiring;

/// <summary>
/// The scheduled preaction function. It runs the drain and Consul steps in-process on the old instance (no 120 s reclaim
/// to race, so no separate functions), and its own volume mover: the successor is known, so no ledger lookup is needed.
/// </summary>
public static class PreactionWiring
{
    /// <param name="services">The shared clients.</param>
    /// <param name="handOverSteps">The drain and Consul steps (built on first use).</param>
    public static PreactionHandler CreateHandler(FunctionServices services, IEnumerable<IRemediationStep> handOverSteps)
    {
        ArgumentNullException.ThrowIfNull(services);
        ILoggerFactory loggers = services.Loggers;
        bool forceDryRun = services.Options.DryRun || string.Equals(services.Get("MAXGROUP_DRY_RUN"), "true", StringComparison.OrdinalIgnoreCase);
        return new PreactionHandler(CreateService(services, handOverSteps), forceDryRun, loggers.CreateLogger<PreactionHandler>());
    }

    private static PreactionService CreateService(FunctionServices services, IEnumerable<IRemediationStep> handOverSteps)
    {
        TimeProvider time = services.Time;
        ILoggerFactory loggers = services.Loggers;
        Func<string, string?> get = services.Get;
        string table = get(DynamoDbPreactionBatchStore.TableVariable) is { Length: > 0 } name ? name : DynamoDbPreactionBatchStore.DefaultTableName;
        var executor = new PreactionExecutor(
            services.Aws.AutoScaling,
            new Ec2PreactionInstanceApi(services.Aws.Ec2),
            new Ec2SuccessorLauncher(services.Aws.Ec2),
            new DynamoDbPreactionBatchStore(services.Aws.DynamoDb, table),
            HttpSpotAdvisorSource.FromEnvironment(get, new HttpClient(), time, loggers.CreateLogger<HttpSpotAdvisorSource>()),
            new VolumeMover(new Ec2VolumeApi(services.Aws.Ec2), time, loggers.CreateLogger<VolumeMover>(), services.Metrics, services.Aws.AutoScaling),
            handOverSteps,
            time,
            services.Metrics,
            loggers.CreateLogger<PreactionExecutor>(),
            PreactionOptions.FromEnvironment(get, services.Aws.Region));
        return new PreactionService(services.Aws.AutoScaling, services.Configs, executor, loggers.CreateLogger<PreactionService>());
    }
}
