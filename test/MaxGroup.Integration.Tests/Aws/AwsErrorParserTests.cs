using MaxGroup.Aws.AutoScaling;
using MaxGroup.Aws.Signing;

namespace MaxGroup.Integration.Tests.Aws;

public sealed class AwsErrorParserTests
{
    [Theory]
    [InlineData("Throttling")]
    [InlineData("ValidationError")]
    [InlineData("ScalingActivityInProgress")]
    [InlineData("ResourceContention")]
    public void Parse_QueryXmlError_TakesCodeAndMessage(string code)
    {
        string xml = "<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><Error><Type>Sender</Type>" +
            $"<Code>{code}</Code><Message>Rate exceeded</Message></Error><RequestId>r-1</RequestId></ErrorResponse>";

        RemoteApiException error = AwsErrorParser.Parse("autoscaling", "SetDesiredCapacity", 400, Encoding.UTF8.GetBytes(xml), null);

        Assert.Equal((code, 400, "autoscaling"), (error.ErrorCode, error.StatusCode, error.Service));
        Assert.Contains("SetDesiredCapacity: Rate exceeded", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AutoScalingCodes_MatchTheirPredicates()
    {
        RemoteApiException Error(string code) => new("autoscaling", code, "m", 400);

        Assert.True(Error("Throttling").IsThrottling);
        Assert.True(Error("ValidationError").IsValidationError());
        Assert.True(Error("ScalingActivityInProgress").IsScalingActivityInProgress());
        Assert.True(Error("ResourceContention").IsResourceContention());
        Assert.False(Error("ValidationError").IsResourceContention());
        Assert.False(new RemoteApiException("ec2", "ValidationError", "m", 400).IsValidationError());
    }

    [Fact]
    public void Parse_Ec2StyleXmlError_TakesCode()
    {
        const string Xml = "<?xml version=\"1.0\"?><Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>slow down</Message></Error></Errors><RequestID>x</RequestID></Response>";

        RemoteApiException error = AwsErrorParser.Parse("ec2", "", 503, Encoding.UTF8.GetBytes(Xml), null);

        Assert.Equal("RequestLimitExceeded", error.ErrorCode);
        Assert.True(error.IsThrottling);
    }

    [Theory]
    [InlineData("{\"__type\":\"com.amazonaws.lambda#TooManyRequestsException\",\"message\":\"Rate\"}", null, "TooManyRequestsException")]
    [InlineData("{\"Type\":\"User\",\"Message\":\"Function not found\"}", "ResourceNotFoundException:http://internal.amazon.com/", "ResourceNotFoundException")]
    [InlineData("{\"code\":\"ThrottlingException\",\"message\":\"Rate\"}", null, "ThrottlingException")]
    [InlineData("{\"__type\":\"ResourceNotFoundException:http://x\"}", null, "ResourceNotFoundException")]
    public void Parse_RestJsonError_TakesCodeFromHeaderOrBody(string json, string? header, string expected)
    {
        RemoteApiException error = AwsErrorParser.Parse("lambda", "Invoke", 429, Encoding.UTF8.GetBytes(json), header);

        Assert.Equal(expected, error.ErrorCode);
    }

    [Theory]
    [InlineData("<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>")]
    [InlineData("<not xml at all")]
    [InlineData("{\"truncated\": ")]
    [InlineData("Service Unavailable")]
    [InlineData("")]
    public void Parse_BodyNeitherXmlNorJsonError_FallsBackToHttpStatus(string body)
    {
        RemoteApiException error = AwsErrorParser.Parse("autoscaling", "AttachInstances", 500, Encoding.UTF8.GetBytes(body), null);

        Assert.Equal(("Http500", 500), (error.ErrorCode, error.StatusCode));
        Assert.True(error.IsRetryable);
        Assert.Contains("HTTP 500", error.Message, StringComparison.Ordinal);
    }
}
