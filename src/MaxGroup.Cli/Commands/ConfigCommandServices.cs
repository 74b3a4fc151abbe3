using MaxGroup.Aws;
using MaxGroup.Aws.Config;
using MaxGroup.Core.Ports;

namespace MaxGroup.Cli.Commands;

/// <summary>
/// What `validate` and `config show` reach outside the process through: environment variables, the S3 store of a
/// bucket, and the AutoScaling API for tags. Tests pass their own; the defaults read the same variables as the functions.
/// </summary>
public sealed record ConfigCommandServices
{
    /// <summary>Created on first use, so validating local files needs no region or credentials.</summary>
    private static readonly Lazy<AwsClientFactory> ProcessClients = new(AwsClientFactory.FromProcess);

    public static ConfigCommandServices Default { get; } = new();

    public Func<string, string?> GetVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>The config object store of a bucket.</summary>
    public Func<string, IConfigObjectStore> StoreForBucket { get; init; } = bucket => new S3ConfigObjectStore(ProcessClients.Value.S3, bucket);

    /// <summary>Reads group tags; null = tags are not read (reported in the output).</summary>
    public Func<IAutoScalingApi?> AutoScaling { get; init; } = () => ProcessClients.Value.AutoScaling;

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
