using Amazon.S3;

namespace MaxGroup.Aws.Config;

/// <summary>
/// Creates the S3 client for config objects. Honours AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL (an emulator such as moto)
/// with path-style addressing, since bucket subdomains of 127.0.0.1 do not resolve.
/// </summary>
public static class ConfigS3ClientFactory
{
    public static IAmazonS3 Create(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        string? endpoint = getVariable("AWS_ENDPOINT_URL_S3") ?? getVariable("AWS_ENDPOINT_URL");
        var config = new AmazonS3Config();
        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            config.ServiceURL = endpoint;
            config.ForcePathStyle = true;
            config.AuthenticationRegion = getVariable("AWS_REGION") ?? getVariable("AWS_DEFAULT_REGION") ?? "us-east-1";
        }

        return new AmazonS3Client(config);
    }
}
