using Amazon.Runtime;
using MaxGroup.Aws.Signing;

namespace MaxGroup.Integration.Tests.Aws;

/// <summary>The signer against the AWS Signature Version 4 test suite (same code path the signed client uses).</summary>
public sealed class SigV4RequestSignerTests
{
    private static readonly ImmutableCredentials SuiteCredentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);
    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    [Fact]
    public void Sign_GetVanilla_MatchesTestSuiteSignature()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.amazonaws.com/");

        SigV4RequestSigner.Sign(request, [], SuiteCredentials, "us-east-1", "service", SuiteTime);

        Assert.Equal("20150830T123600Z", Assert.Single(request.Headers.GetValues("X-Amz-Date")));
        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, " +
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            Assert.Single(request.Headers.GetValues("Authorization")));
    }

    [Fact]
    public void Sign_SessionCredentials_AddsAndSignsSecurityToken()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:8080/")
        {
            Content = new ByteArrayContent("Action=X"u8.ToArray()),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", QueryRequest.FormContentType);

        SigV4RequestSigner.Sign(request, "Action=X"u8, new ImmutableCredentials("AKID", "SECRET", "SESSION"), "eu-west-1", "autoscaling", SuiteTime);

        Assert.Equal("SESSION", Assert.Single(request.Headers.GetValues(SigV4RequestSigner.SecurityTokenHeader)));
        Assert.Contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,", Assert.Single(request.Headers.GetValues("Authorization")), StringComparison.Ordinal);
    }

    [Fact]
    public void Sign_DifferentBody_ChangesSignature()
    {
        string SignatureOf(byte[] body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "https://autoscaling.us-east-1.amazonaws.com/") { Content = new ByteArrayContent(body) };
            return SigV4RequestSigner.Sign(request, body, SuiteCredentials, "us-east-1", "autoscaling", SuiteTime).Signature;
        }

        Assert.NotEqual(SignatureOf("Action=A"u8.ToArray()), SignatureOf("Action=B"u8.ToArray()));
    }
}
