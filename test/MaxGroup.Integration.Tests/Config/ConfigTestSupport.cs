using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace MaxGroup.Integration.Tests.Configuration;

/// <summary>S3 clients pointed at moto (or the fault proxy in front of it), and small helpers for config objects.</summary>
internal static class ConfigTestSupport
{
    public static AmazonS3Client S3(string endpoint, int maxErrorRetry = 2) =>
        new(new BasicAWSCredentials("testing", "testing"), new AmazonS3Config
        {
            ServiceURL = endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = maxErrorRetry,
            Timeout = TimeSpan.FromSeconds(10),
        });

    public static async Task<string> NewBucketAsync(IAmazonS3 s3)
    {
        string bucket = "cfg-" + Guid.NewGuid().ToString("N")[..12];
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        return bucket;
    }

    public static Task PutAsync(IAmazonS3 s3, string bucket, string key, string body) =>
        s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = body, ContentType = "application/json" });
}
