using Amazon.S3;
using MaxGroup.Aws.Config;
using MaxGroup.Integration.Tests.Configuration;

namespace MaxGroup.Integration.Tests.Security;

/// <summary>
/// The config limits of docs/security.md at their boundaries: at the limit accepted, one over rejected with an error
/// that names the place. The size limit is enforced while reading from S3 (moto), so it is tested through the
/// provider; depth and string length are parse-time limits, tested on the parser the provider uses.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class ConfigLimitTests(MotoFixture moto) : IDisposable
{
    private AmazonS3Client? _s3;

    public void Dispose() => _s3?.Dispose();

    [Fact]
    public async Task GroupFile_ExactlyMaxObjectBytesFromS3_IsUsed()
    {
        (GroupConfigProvider provider, _) = await ProviderWithFileAsync(Padded(ConfigLimits.MaxObjectBytes));

        ConfigLookup lookup = await provider.GetAsync("web", CancellationToken.None);

        Assert.True(lookup.Managed, lookup.Description + ": " + string.Join("; ", lookup.Problems));
        Assert.Equal("/dev/sdf", lookup.Config.PersistenceDev);
        Assert.DoesNotContain(lookup.Problems, p => p.IsError);
    }

    [Fact]
    public async Task GroupFile_OneByteOverMaxObjectBytesFromS3_RejectedNamingTheObjectAndTheLimit()
    {
        (GroupConfigProvider provider, string bucket) = await ProviderWithFileAsync(Padded(ConfigLimits.MaxObjectBytes + 1));

        ConfigLookup lookup = await provider.GetAsync("web", CancellationToken.None);

        Assert.Null(lookup.Config.PersistenceDev);
        ConfigProblem problem = Assert.Single(lookup.Problems, p => p.IsError);
        Assert.Equal($"s3://{bucket}/groups/web.json $: the object is larger than the 256 KiB limit (split the legacy file into per-group files, one per Auto Scaling group)", problem.ToLocatedString());
    }

    [Fact]
    public void GroupFile_NestedExactlyMaxDepth_ParsesAndReportsOnlyTheValue()
    {
        // The root object is level 1: MaxDepth - 1 arrays inside it reach the limit exactly.
        string json = "{\"persistence_dev\": " + Nested(ConfigLimits.MaxDepth - 1) + "}";

        IReadOnlyList<ConfigProblem> problems = ConfigDocumentParser.Validate(Encoding.UTF8.GetBytes(json), "web.json");

        Assert.DoesNotContain(problems, p => p.Message.Contains("malformed", StringComparison.Ordinal) || (p.Hint ?? "").Contains("nest at most", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Path == "$.persistence_dev");
    }

    [Fact]
    public void GroupFile_NestedOneOverMaxDepth_RejectedWithLineColumnAndTheLimit()
    {
        string json = "{\"persistence_dev\": " + Nested(ConfigLimits.MaxDepth) + "}";

        IReadOnlyList<ConfigProblem> problems = ConfigDocumentParser.Validate(Encoding.UTF8.GetBytes(json), "web.json");

        ConfigProblem problem = Assert.Single(problems);
        Assert.True(problem.IsError);
        Assert.Equal("$", problem.Path);
        Assert.StartsWith("malformed JSON at line 1, column ", problem.Message, StringComparison.Ordinal);
        Assert.Equal($"config objects nest at most {ConfigLimits.MaxDepth} levels; a group's values are plain numbers, strings and booleans", problem.Hint);
    }

    [Fact]
    public void StringValue_ExactlyMaxStringLength_HasNoLengthProblem()
    {
        string json = "{\"consul_token_parameter\": \"/" + new string('a', ConfigLimits.MaxStringLength - 1) + "\"}";

        IReadOnlyList<ConfigProblem> problems = ConfigDocumentParser.Validate(Encoding.UTF8.GetBytes(json), "web.json");

        Assert.DoesNotContain(problems, p => p.Message.EndsWith("characters long", StringComparison.Ordinal));
    }

    [Fact]
    public void StringValue_OneOverMaxStringLength_RejectedNamingTheKey()
    {
        string json = "{\"consul_token_parameter\": \"/" + new string('a', ConfigLimits.MaxStringLength) + "\"}";

        IReadOnlyList<ConfigProblem> problems = ConfigDocumentParser.Validate(Encoding.UTF8.GetBytes(json), "web.json");

        ConfigProblem problem = Assert.Single(problems, p => p.IsError);
        Assert.Equal($"$.consul_token_parameter: is {ConfigLimits.MaxStringLength + 1} characters long (at most {ConfigLimits.MaxStringLength})", problem.ToString());
    }

    /// <summary>A valid group file padded with trailing whitespace to exactly <paramref name="size"/> bytes.</summary>
    private static string Padded(int size)
    {
        const string Body = """{"persistence_dev": "/dev/sdf"}""";
        return Body + new string(' ', size - Encoding.UTF8.GetByteCount(Body));
    }

    private static string Nested(int arrays) => new string('[', arrays) + new string(']', arrays);

    private async Task<(GroupConfigProvider Provider, string Bucket)> ProviderWithFileAsync(string content)
    {
        await moto.ResetAsync();
        AmazonS3Client s3 = _s3 = ConfigTestSupport.S3(moto.Endpoint);
        string bucket = await ConfigTestSupport.NewBucketAsync(s3);
        await ConfigTestSupport.PutAsync(s3, bucket, "groups/web.json", content);
        Assert.Equal(content.Length, Encoding.UTF8.GetByteCount(content));
        var provider = new GroupConfigProvider(
            new S3ConfigObjectStore(s3, bucket), new FakeAutoScaling(), new GroupConfigOptions { Bucket = bucket }, TimeProvider.System, new RecordingLogger(), new RecordingMetrics());
        return (provider, bucket);
    }
}
