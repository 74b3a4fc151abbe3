using MaxGroup.Core.Config;
using MaxGroup.Core.Ports;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Aws.Config;

/// <summary>
/// Builds the <see cref="GroupConfigProvider"/> from the AWS clients and the MAXGROUP_CONFIG_* variables: the one line
/// a composition root needs. Create it once per execution environment so its cache lives across invocations.
/// </summary>
public static class GroupConfigProviderFactory
{
    /// <exception cref="InvalidOperationException">MAXGROUP_CONFIG_BUCKET is missing or MAXGROUP_CONFIG_TTL_SECONDS is wrong.</exception>
    public static GroupConfigProvider Create(AwsClientFactory aws, Func<string, string?> getVariable, TimeProvider clock, ILoggerFactory loggers, IMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(aws);
        ArgumentNullException.ThrowIfNull(loggers);
        GroupConfigOptions options = GroupConfigOptions.FromEnvironment(getVariable);
        return new GroupConfigProvider(new S3ConfigObjectStore(aws.S3, options.Bucket), aws.AutoScaling, options, clock, loggers.CreateLogger<GroupConfigProvider>(), metrics);
    }
}
