using System.IO.Compression;
using MaxGroup.Aws.Signing;

namespace MaxGroup.Integration.Tests.Aws;

/// <summary>Creates what the Lambda and EKS tests need in moto (an IAM role, a function, a cluster) through the signed client.</summary>
internal static class MotoLambdaAndEksSetup
{
    private static readonly AwsService Iam = new("IAM", "IAM", "iam", "iam");

    public static async Task<string> CreateRoleAsync(Uri moto, string name)
    {
        const string Trust = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":[\"lambda.amazonaws.com\",\"eks.amazonaws.com\"]},\"Action\":\"sts:AssumeRole\"}]}";
        AwsRequest request = new QueryRequest("CreateRole", "2010-05-08")
            .Add("RoleName", name)
            .Add("AssumeRolePolicyDocument", Trust)
            .ToRequest();
        AwsResponse response = await AwsTestClients.SignedClient(moto, Iam).SendAsync(request, CancellationToken.None);
        string xml = Encoding.UTF8.GetString(response.Body);
        int start = xml.IndexOf("<Arn>", StringComparison.Ordinal) + "<Arn>".Length;
        return xml[start..xml.IndexOf("</Arn>", start, StringComparison.Ordinal)];
    }

    /// <summary>Creates a Python function (moto does not run it without Docker) and returns its ARN.</summary>
    public static async Task<string> CreateFunctionAsync(Uri moto, string name, string roleArn)
    {
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            await using Stream entry = archive.CreateEntry("index.py").Open();
            await entry.WriteAsync("def handler(event, context):\n    return event\n"u8.ToArray());
        }

        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["FunctionName"] = name,
            ["Runtime"] = "python3.11",
            ["Role"] = roleArn,
            ["Handler"] = "index.handler",
            ["Code"] = new Dictionary<string, string> { ["ZipFile"] = Convert.ToBase64String(zip.ToArray()) },
        });
        AwsResponse response = await AwsTestClients.SignedClient(moto, AwsService.Lambda).SendAsync(new AwsRequest
        {
            Method = HttpMethod.Post,
            Path = "/2015-03-31/functions",
            ContentType = "application/json",
            Body = body,
            Operation = "CreateFunction",
        }, CancellationToken.None);
        using JsonDocument created = JsonDocument.Parse(response.Body);
        return created.RootElement.GetProperty("FunctionArn").GetString()!;
    }

    /// <summary>Creates an EKS cluster and returns moto's answer's cluster element (endpoint, certificateAuthority.data).</summary>
    public static async Task<(string Endpoint, string CertificateAuthorityData)> CreateClusterAsync(Uri moto, string name, string roleArn, string subnetId)
    {
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["name"] = name,
            ["roleArn"] = roleArn,
            ["resourcesVpcConfig"] = new Dictionary<string, string[]> { ["subnetIds"] = [subnetId] },
        });
        AwsResponse response = await AwsTestClients.SignedClient(moto, AwsService.Eks).SendAsync(new AwsRequest
        {
            Method = HttpMethod.Post,
            Path = "/clusters",
            ContentType = "application/json",
            Body = body,
            Operation = "CreateCluster",
        }, CancellationToken.None);
        using JsonDocument created = JsonDocument.Parse(response.Body);
        JsonElement cluster = created.RootElement.GetProperty("cluster");
        return (cluster.GetProperty("endpoint").GetString()!, cluster.GetProperty("certificateAuthority").GetProperty("data").GetString()!);
    }
}
