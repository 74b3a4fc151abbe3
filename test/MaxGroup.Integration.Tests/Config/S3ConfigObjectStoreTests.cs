using Amazon.S3;
using MaxGroup.Aws.Config;

namespace MaxGroup.Integration.Tests.Configuration;

[Collection(MotoCollection.Name)]
public sealed class S3ConfigObjectStoreTests(MotoFixture moto)
{
    [Fact]
    public async Task GetAsync_ExistingObject_ReturnsContentAndETag()
    {
        using AmazonS3Client s3 = ConfigTestSupport.S3(moto.Endpoint);
        string bucket = await ConfigTestSupport.NewBucketAsync(s3);
        await ConfigTestSupport.PutAsync(s3, bucket, "groups/web.json", """{"consul_port": 8500}""");
        var store = new S3ConfigObjectStore(s3, bucket);

        ConfigObjectResult result = await store.GetAsync("groups/web.json", null, CancellationToken.None);

        Assert.Equal(ConfigObjectStatus.Found, result.Status);
        Assert.Equal("""{"consul_port": 8500}""", System.Text.Encoding.UTF8.GetString(result.Content.Span));
        Assert.False(string.IsNullOrEmpty(result.ETag));
    }

    [Fact]
    public async Task GetAsync_SameETag_IsNotModified_AndChangedObjectIsFound()
    {
        using AmazonS3Client s3 = ConfigTestSupport.S3(moto.Endpoint);
        string bucket = await ConfigTestSupport.NewBucketAsync(s3);
        await ConfigTestSupport.PutAsync(s3, bucket, "groups/web.json", """{"consul_port": 8500}""");
        var store = new S3ConfigObjectStore(s3, bucket);
        ConfigObjectResult first = await store.GetAsync("groups/web.json", null, CancellationToken.None);

        ConfigObjectResult unchanged = await store.GetAsync("groups/web.json", first.ETag, CancellationToken.None);
        await ConfigTestSupport.PutAsync(s3, bucket, "groups/web.json", """{"consul_port": 8600}""");
        ConfigObjectResult changed = await store.GetAsync("groups/web.json", first.ETag, CancellationToken.None);

        Assert.Equal(ConfigObjectStatus.NotModified, unchanged.Status);
        Assert.Equal(ConfigObjectStatus.Found, changed.Status);
        Assert.NotEqual(first.ETag, changed.ETag);
        Assert.Contains("8600", System.Text.Encoding.UTF8.GetString(changed.Content.Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_MissingObject_IsNotFound()
    {
        using AmazonS3Client s3 = ConfigTestSupport.S3(moto.Endpoint);
        string bucket = await ConfigTestSupport.NewBucketAsync(s3);

        ConfigObjectResult result = await new S3ConfigObjectStore(s3, bucket).GetAsync("groups/none.json", null, CancellationToken.None);

        Assert.Equal(ConfigObjectStatus.NotFound, result.Status);
    }

    [Fact]
    public async Task GetAsync_MissingBucket_IsAFailureNotAMissingConfig()
    {
        using AmazonS3Client s3 = ConfigTestSupport.S3(moto.Endpoint);

        var ex = await Assert.ThrowsAsync<RemoteApiException>(() =>
            new S3ConfigObjectStore(s3, "no-such-bucket-" + Guid.NewGuid().ToString("N")[..8]).GetAsync("groups/web.json", null, CancellationToken.None));

        Assert.Equal("s3", ex.Service);
        Assert.Equal("NoSuchBucket", ex.ErrorCode);
    }

    [Fact]
    public async Task GetAsync_HugeObject_ReadsNoMoreThanTheLimitPlusOne()
    {
        using AmazonS3Client s3 = ConfigTestSupport.S3(moto.Endpoint);
        string bucket = await ConfigTestSupport.NewBucketAsync(s3);
        await ConfigTestSupport.PutAsync(s3, bucket, "groups/big.json", "{\"k8s_cluster_name\": \"" + new string('a', 1024 * 1024) + "\"}");

        ConfigObjectResult result = await new S3ConfigObjectStore(s3, bucket).GetAsync("groups/big.json", null, CancellationToken.None);
        GroupConfigSource parsed = ConfigDocumentParser.ParseGroupFile(result.Content, new ConfigSource(ConfigSourceKind.GroupFile, "big"));

        Assert.Equal(ConfigLimits.MaxObjectBytes + 1, result.Content.Length);
        Assert.Contains(parsed.Problems, p => p.Message.Contains("256 KiB", StringComparison.Ordinal));
    }
}
