using System.CommandLine;
using Amazon.S3;
using MaxGroup.Aws.Config;
using MaxGroup.Cli.Commands;

namespace MaxGroup.Integration.Tests.Configuration;

/// <summary>`maxgroup validate` and `maxgroup config show`, run in-process with their output captured.</summary>
[Collection(MotoCollection.Name)]
public sealed class ConfigCliTests(MotoFixture moto) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("maxgroup-config-").FullName;
    private readonly AmazonS3Client _s3 = ConfigTestSupport.S3(moto.Endpoint);

    public void Dispose()
    {
        _s3.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Validate_BothExamples_ExitsZero()
    {
        string examples = Path.Combine(GroupConfigProviderS3Tests.RepositoryRoot(), "config", "examples");

        (int exit, string output) = await RunAsync(ValidateCommand.Create(), "validate", Path.Combine(examples, "web-spot.json"), Path.Combine(examples, "service_config.json"));

        Assert.Equal(0, exit);
        Assert.Contains("web-spot.json: valid", output, StringComparison.Ordinal);
        Assert.Contains("service_config.json: valid", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_OneBadFile_ExitsOneAndPrintsPathProblemHint()
    {
        string good = Write("good.json", """{"consul_port": "8500"}""");
        string bad = Write("service_config.json", """{"groups": {"web": {"persistance_dev": "/dev/sdf", "detaching_delay_seconds": 150}}}""");

        (int exit, string output) = await RunAsync(ValidateCommand.Create(), "validate", good, bad);

        Assert.Equal(1, exit);
        Assert.Contains("good.json: valid", output, StringComparison.Ordinal);
        Assert.Contains("service_config.json: invalid, 2 errors", output, StringComparison.Ordinal);
        Assert.Contains("  $.groups.web.persistance_dev: unknown key (did you mean \"persistence_dev\"?)", output, StringComparison.Ordinal);
        Assert.Contains("  $.groups.web.detaching_delay_seconds: a delay of 150 s cannot fit before reclaim", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_WarningsOnly_ExitsZeroAndShowsThem()
    {
        string file = Write("web.json", """{"detaching_delay_seconds": 100}""");

        (int exit, string output) = await RunAsync(ValidateCommand.Create(), "validate", file);

        Assert.Equal(0, exit);
        Assert.Contains("web.json: valid, 1 warning", output, StringComparison.Ordinal);
        Assert.Contains("$.detaching_delay_seconds: warning: a delay of 100 s leaves only 20 s before reclaim", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_KeysInertUnderDetach_ValidWithAWarningThatSaysWhy()
    {
        // A tag-generation user's keys in a file without persistence_dev: auto is detach, the group launches itself.
        string file = Write("web.json", """{"alt1": "m5.large", "alt2": "c5.large", "is_to_revert_to_spot": false, "od_least_live_mins": 30}""");

        (int exit, string output) = await RunAsync(ValidateCommand.Create(), "validate", file);

        Assert.Equal(0, exit);
        Assert.Contains("web.json: valid, 2 warnings", output, StringComparison.Ordinal);
        Assert.Contains("$.alt1: warning: alt1 \"m5.large\", alt2 \"c5.large\": replacement_strategy auto is detach for a group without persistence_dev", output, StringComparison.Ordinal);
        Assert.Contains("$.od_least_live_mins: warning: has no effect: the swap back to Spot is off", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_MalformedJson_PrintsLineAndColumn()
    {
        string file = Write("web.json", "{\n  \"enabled\": true\n  \"dry_run\": false\n}");

        (int exit, string output) = await RunAsync(ValidateCommand.Create(), "validate", file);

        Assert.Equal(1, exit);
        Assert.Contains("$: malformed JSON at line 3, column 3", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_MissingFile_ExitsOne()
    {
        (int exit, string output) = await RunAsync(ValidateCommand.Create(), "validate", Path.Combine(_directory, "none.json"));

        Assert.Equal(1, exit);
        Assert.Contains("none.json: not found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_S3Objects_AreReadFromTheBucket()
    {
        await moto.ResetAsync();
        string bucket = await ConfigTestSupport.NewBucketAsync(_s3);
        await ConfigTestSupport.PutAsync(_s3, bucket, "groups/web.json", """{"consul_port": 70000}""");
        await ConfigTestSupport.PutAsync(_s3, bucket, "groups/api.json", """{"consul_port": 8500}""");
        Command command = ValidateCommand.Create(new ConfigCommandServices { StoreForBucket = b => new S3ConfigObjectStore(_s3, b) });

        (int exit, string output) = await RunAsync(command, "validate", $"s3://{bucket}/groups/api.json", $"s3://{bucket}/groups/web.json", $"s3://{bucket}/groups/none.json");

        Assert.Equal(1, exit);
        Assert.Contains($"s3://{bucket}/groups/api.json: valid", output, StringComparison.Ordinal);
        Assert.Contains("  $.consul_port: 70000 is not a port number (1-65535) (use a value between 1 and 65535)", output, StringComparison.Ordinal);
        Assert.Contains($"s3://{bucket}/groups/none.json: not found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigShow_ThreeSources_PrintsEachValueWithItsSource()
    {
        await moto.ResetAsync();
        string bucket = await ConfigTestSupport.NewBucketAsync(_s3);
        await ConfigTestSupport.PutAsync(_s3, bucket, "cfg/web.json", """{"detaching_delay_seconds": 30, "alt1": "m5.large"}""");
        await ConfigTestSupport.PutAsync(_s3, bucket, "service_config.json", """{"groups": {"web": {"consul_port": "8500"}}}""");
        var tags = new FakeAutoScaling();
        tags.Tag("web", "spotmax:dry_run", "true");
        var variables = new Dictionary<string, string> { ["MAXGROUP_CONFIG_BUCKET"] = bucket, ["MAXGROUP_CONFIG_PREFIX"] = "cfg/" };
        Command command = ConfigCommand.Create(new ConfigCommandServices
        {
            GetVariable = variables.GetValueOrDefault,
            StoreForBucket = b => new S3ConfigObjectStore(_s3, b),
            AutoScaling = () => tags,
        });

        (int exit, string output) = await RunAsync(command, "config", "show", "web");

        Assert.Equal(0, exit);
        Assert.Contains("group web: managed (dry run)", output, StringComparison.Ordinal);
        AssertRow(output, "detaching_delay_seconds", "30", $"s3://{bucket}/cfg/web.json");
        AssertRow(output, "consul_port", "8500", $"s3://{bucket}/service_config.json $.groups.web");
        AssertRow(output, "dry_run", "true", "tag spotmax:dry_run");
        AssertRow(output, "persistence_attach_as", "\"/dev/xvdz\"", "default");
        AssertRow(output, "persistence_dev", "(unset)", "default");
        AssertRow(output, "alt1", "\"m5.large\"", $"s3://{bucket}/cfg/web.json");
    }

    [Fact]
    public async Task ConfigShow_TagsOnlyGroup_EveryKeyWithValueAndSourceIncludingTheTagGenerationsDefaults()
    {
        await moto.ResetAsync();
        string bucket = await ConfigTestSupport.NewBucketAsync(_s3);
        var tags = new FakeAutoScaling();
        tags.Tag("web", "spotmax:consul_port", "8500");
        tags.Tag("web", "spotmax:od_least_live_mins", "20");
        tags.Tag("web", "spotmax:buffer_mins", "1");
        tags.Tag("web", "spotmax:managed", "true");
        Command command = ConfigCommand.Create(new ConfigCommandServices
        {
            GetVariable = name => name == "MAXGROUP_CONFIG_BUCKET" ? bucket : null,
            StoreForBucket = b => new S3ConfigObjectStore(_s3, b),
            AutoScaling = () => tags,
        });

        (int exit, string output) = await RunAsync(command, "config", "show", "web");

        Assert.Equal(0, exit);
        Assert.Contains("defaults: the spotmax:* tag generation's (only tags configure the group)", output, StringComparison.Ordinal);
        foreach (MaxGroup.Core.Config.ConfigKey key in MaxGroup.Core.Config.GroupConfigKeys.All)
        {
            Assert.Contains(output.Split('\n'), l => l.TrimStart().StartsWith(key.Name + " ", StringComparison.Ordinal));
        }

        AssertRow(output, "consul_port", "8500", "tag spotmax:consul_port");
        AssertRow(output, "detaching_delay_seconds", "30", "default (spotmax:* tag generation)");
        AssertRow(output, "is_enable_preaction", "true", "default (spotmax:* tag generation)");
        AssertRow(output, "k8s_node_drain_grace_second", "300", "default (spotmax:* tag generation)");
        AssertRow(output, "preaction_snapshot_interval_minutes", "(unset)", "default (spotmax:* tag generation)");
        AssertRow(output, "od_least_live_mins", "20", "tag spotmax:od_least_live_mins");
        Assert.Contains("tag spotmax:buffer_mins: warning: recognised max_group key, not implemented here: ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigShow_InvalidConfig_ExitsOneAndListsProblems()
    {
        await moto.ResetAsync();
        string bucket = await ConfigTestSupport.NewBucketAsync(_s3);
        await ConfigTestSupport.PutAsync(_s3, bucket, "groups/web.json", """{"persistance_dev": "/dev/sdf"}""");
        Command command = ConfigCommand.Create(new ConfigCommandServices
        {
            GetVariable = name => name == "MAXGROUP_CONFIG_BUCKET" ? bucket : null,
            StoreForBucket = b => new S3ConfigObjectStore(_s3, b),
            AutoScaling = () => null,
        });

        (int exit, string output) = await RunAsync(command, "config", "show", "web");

        Assert.Equal(1, exit);
        Assert.Contains("NOT MANAGED: the config is invalid", output, StringComparison.Ordinal);
        Assert.Contains($"s3://{bucket}/groups/web.json $.persistance_dev: unknown key (did you mean \"persistence_dev\"?)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigShow_NoBucketVariable_SaysWhichVariable()
    {
        Command command = ConfigCommand.Create(new ConfigCommandServices { GetVariable = _ => null, AutoScaling = () => null });

        (int exit, string output) = await RunAsync(command, "config", "show", "web");

        Assert.Equal(2, exit);
        Assert.Contains("MAXGROUP_CONFIG_BUCKET is not set", output, StringComparison.Ordinal);
    }

    private static void AssertRow(string output, string key, string value, string source)
    {
        string? line = output.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith(key + " ", StringComparison.Ordinal));
        Assert.True(line is not null, $"no row for {key} in:\n{output}");
        string[] parts = line.Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal([key, value, source], parts);
    }

    private static async Task<(int Exit, string Output)> RunAsync(Command command, params string[] args)
    {
        var root = new RootCommand("maxgroup") { command };
        using var output = new StringWriter();
        int exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = output });
        return (exit, output.ToString());
    }

    private string Write(string name, string content)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }
}
