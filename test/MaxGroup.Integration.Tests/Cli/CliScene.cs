using Amazon.EC2;
using MaxGroup.Integration.Tests.Configuration;
using MaxGroup.Integration.Tests.Runtime;

namespace MaxGroup.Integration.Tests.Cli;

/// <summary>
/// A Spot-style group on moto for the CLI tests: a launch template with a data volume at /dev/sdf, a group of two in
/// us-east-1a, its config file in an S3 bucket; and the process environment the CLI reads, restored on dispose.
/// </summary>
internal sealed class CliScene : IDisposable
{
    public const string Group = "web";
    public const string LedgerTable = "maxgroup-ledger-cli";

    private readonly Dictionary<string, string?> _previous = [];

    private CliScene(AwsClientFactory aws, string bucket)
    {
        Aws = aws;
        Bucket = bucket;
    }

    public AwsClientFactory Aws { get; }

    public string Bucket { get; }

    public static async Task<CliScene> CreateAsync(MotoFixture moto, string groupConfigJson, int maxSize = 2)
    {
        await moto.ResetAsync();
        AwsClientFactory aws = AwsTestClients.MotoFactory(moto, AwsTestClients.FastRetry());
        var groups = new MotoScene(aws);
        await groups.LaunchTemplateAsync("web-data", InstanceType.M5Large, "/dev/sdf", dataVolumeGiB: 10);
        await groups.GroupAsync(Group, "web-data", min: 1, max: maxSize, desired: 2, tags: [("team", "blue", true)], zones: ["us-east-1a"]);
        string bucket = await ConfigTestSupport.NewBucketAsync(aws.S3);
        var scene = new CliScene(aws, bucket);
        scene.Set("AWS_ENDPOINT_URL", moto.Endpoint);
        scene.Set(GroupConfigOptions.BucketVariable, bucket);
        scene.Set("MAXGROUP_LEDGER_TABLE", LedgerTable);
        scene.Set("MAXGROUP_DRY_RUN", null);
        await ConfigTestSupport.PutAsync(aws.S3, bucket, GroupConfigOptions.FromEnvironment(Environment.GetEnvironmentVariable).GroupKey(Group), groupConfigJson);
        return scene;
    }

    /// <summary>The group's instances, oldest first.</summary>
    public async Task<IReadOnlyList<string>> InstanceIdsAsync()
    {
        AutoScalingGroupInfo group = Assert.Single(await Aws.AutoScaling.DescribeAutoScalingGroupsAsync([Group], CancellationToken.None));
        return group.Instances.Select(i => i.InstanceId).ToList();
    }

    /// <summary>Sets a process variable for the CLI, remembering the value to restore.</summary>
    public void Set(string name, string? value)
    {
        if (!_previous.ContainsKey(name))
        {
            _previous[name] = Environment.GetEnvironmentVariable(name);
        }

        Environment.SetEnvironmentVariable(name, value);
    }

    /// <summary>The sample warning from events/ with this instance, a fresh event id and the given time.</summary>
    public static async Task<string> WarningFileAsync(string instanceId, DateTimeOffset time)
    {
        string json = await File.ReadAllTextAsync(RepositoryPaths.Event("ec2-spot-interruption-warning.json"));
        json = json.Replace("i-0b662ef9931388ba0", instanceId, StringComparison.Ordinal)
            .Replace("2026-11-24T08:14:21Z", time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("1e5527d7-bb36-4607-3370-4164db56a40e", Guid.NewGuid().ToString(), StringComparison.Ordinal);
        string path = Path.Combine(Path.GetTempPath(), $"maxgroup-warning-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, json);
        return path;
    }

    /// <summary>Runs `maxgroup ARGS` in-process with captured writers.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = await MaxGroup.Cli.Program.RunAsync(args, output, error, CancellationToken.None);
        return (exitCode, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        foreach ((string name, string? value) in _previous)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        Aws.Dispose();
    }
}
