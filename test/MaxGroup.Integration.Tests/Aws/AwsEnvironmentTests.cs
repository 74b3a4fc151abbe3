namespace MaxGroup.Integration.Tests.Aws;

public sealed class AwsEnvironmentTests
{
    [Theory]
    [InlineData("AWS_ENDPOINT_URL_EC2", "EC2")]
    [InlineData("AWS_ENDPOINT_URL_S3", "S3")]
    [InlineData("AWS_ENDPOINT_URL_DYNAMODB", "DynamoDB")]
    [InlineData("AWS_ENDPOINT_URL_STS", "STS")]
    [InlineData("AWS_ENDPOINT_URL_SSM", "SSM")]
    [InlineData("AWS_ENDPOINT_URL_AUTO_SCALING", "Auto Scaling")]
    [InlineData("AWS_ENDPOINT_URL_LAMBDA", "Lambda")]
    [InlineData("AWS_ENDPOINT_URL_EKS", "EKS")]
    public void EndpointVariable_EachService_IsTheSdkName(string variable, string serviceName)
    {
        AwsService service = new[] { AwsService.Ec2, AwsService.S3, AwsService.DynamoDb, AwsService.Sts, AwsService.Ssm, AwsService.AutoScaling, AwsService.Lambda, AwsService.Eks }
            .Single(s => s.Name == serviceName);

        Assert.Equal(variable, service.EndpointVariable);
    }

    [Fact]
    public void EndpointOverride_ServiceAndGlobalSet_ServiceWins()
    {
        AwsEnvironment environment = AwsEnvironment.FromVariables(new Dictionary<string, string>
        {
            ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:5000",
            ["AWS_ENDPOINT_URL_LAMBDA"] = "http://127.0.0.1:6000",
        });

        Assert.Equal(new Uri("http://127.0.0.1:6000"), environment.EndpointOverride(AwsService.Lambda));
        Assert.Equal(new Uri("http://127.0.0.1:5000"), environment.EndpointOverride(AwsService.AutoScaling));
    }

    [Fact]
    public void EndpointOverride_IgnoreVariableTrue_ReturnsNull()
    {
        AwsEnvironment environment = AwsEnvironment.FromVariables(new Dictionary<string, string>
        {
            ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:5000",
            ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true",
        });

        Assert.Null(environment.EndpointOverride(AwsService.S3));
    }

    [Fact]
    public void EndpointOverride_NotAUrl_ThrowsNamingTheVariable()
    {
        AwsEnvironment environment = AwsEnvironment.FromVariables(new Dictionary<string, string> { ["AWS_ENDPOINT_URL_EKS"] = "localhost:4566" });

        var error = Assert.Throws<InvalidOperationException>(() => environment.EndpointOverride(AwsService.Eks));

        Assert.Contains("AWS_ENDPOINT_URL_EKS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Region_OnlyDefaultRegionSet_FallsBackToIt()
    {
        Assert.Equal("eu-central-1", AwsEnvironment.FromVariables(new Dictionary<string, string> { ["AWS_DEFAULT_REGION"] = "eu-central-1" }).Region);
        Assert.Equal("us-west-2", AwsEnvironment.FromVariables(new Dictionary<string, string> { ["AWS_REGION"] = "us-west-2", ["AWS_DEFAULT_REGION"] = "eu-central-1" }).Region);
    }

    [Fact]
    public void RequireRegion_NoneSet_ThrowsNamingTheVariables()
    {
        var error = Assert.Throws<InvalidOperationException>(() => AwsEnvironment.FromVariables(new Dictionary<string, string>()).RequireRegion());

        Assert.Contains("AWS_REGION", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Endpoint_NoOverride_IsRegionalAwsEndpoint()
    {
        AwsEnvironment environment = AwsEnvironment.FromVariables(new Dictionary<string, string>());

        Assert.Equal(new Uri("https://lambda.ap-southeast-2.amazonaws.com/"), environment.Endpoint(AwsService.Lambda, "ap-southeast-2"));
        Assert.Equal(new Uri("https://eks.cn-north-1.amazonaws.com.cn/"), environment.Endpoint(AwsService.Eks, "cn-north-1"));
    }
}
