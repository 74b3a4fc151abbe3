using System.Text.RegularExpressions;
using Amazon.Runtime;
using MaxGroup.Aws.AutoScaling;

namespace MaxGroup.Integration.Tests.Aws;

/// <summary>
/// CompleteLifecycleAction and RecordLifecycleActionHeartbeat, which moto lacks, against a loopback server that checks
/// the request as Auto Scaling would: POST /, form body with Action and Version, the operation's parameters, a SigV4
/// Authorization header for the autoscaling credential scope. A wrong request gets a ValidationError, as from AWS.
/// </summary>
public sealed partial class AutoScalingLifecycleLoopbackTests
{
    private const string Namespace = "http://autoscaling.amazonaws.com/doc/2011-01-01/";

    [Fact]
    public async Task CompleteLifecycleAction_WithToken_SendsSignedQueryRequest()
    {
        await using LoopbackAwsServer server = await LoopbackAwsServer.StartAsync((request, _) => Check(request, "CompleteLifecycleAction", new()
        {
            ["AutoScalingGroupName"] = "web",
            ["LifecycleHookName"] = "drain-first",
            ["InstanceId"] = "i-0123456789abcdef0",
            ["LifecycleActionToken"] = "bcd2f1b8-9a78-44d3-8a7a-4dd07d7cf635",
            ["LifecycleActionResult"] = "CONTINUE",
        }));
        var client = new AutoScalingClient(AwsTestClients.SignedClient(server.Endpoint, AwsService.AutoScaling));

        await client.CompleteLifecycleActionAsync("web", "drain-first", "i-0123456789abcdef0", "bcd2f1b8-9a78-44d3-8a7a-4dd07d7cf635", "CONTINUE", CancellationToken.None);

        RecordedRequest sent = Assert.Single(server.Requests);
        Assert.Equal("application/x-www-form-urlencoded; charset=utf-8", sent.Headers["Content-Type"]);
    }

    [Fact]
    public async Task CompleteLifecycleAction_WithoutToken_OmitsTokenParameter()
    {
        await using LoopbackAwsServer server = await LoopbackAwsServer.StartAsync((request, _) => Check(request, "CompleteLifecycleAction", new()
        {
            ["AutoScalingGroupName"] = "web",
            ["LifecycleHookName"] = "drain-first",
            ["InstanceId"] = "i-0123456789abcdef0",
            ["LifecycleActionResult"] = "ABANDON",
        }));
        var client = new AutoScalingClient(AwsTestClients.SignedClient(server.Endpoint, AwsService.AutoScaling));

        await client.CompleteLifecycleActionAsync("web", "drain-first", "i-0123456789abcdef0", null, "ABANDON", CancellationToken.None);

        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task RecordLifecycleActionHeartbeat_SessionCredentials_SendsSignedRequestWithToken()
    {
        await using LoopbackAwsServer server = await LoopbackAwsServer.StartAsync((request, _) => Check(request, "RecordLifecycleActionHeartbeat", new()
        {
            ["AutoScalingGroupName"] = "web",
            ["LifecycleHookName"] = "drain-first",
            ["InstanceId"] = "i-0123456789abcdef0",
            ["LifecycleActionToken"] = "token-1",
        }, sessionToken: "session-xyz"));
        var credentials = new SessionAWSCredentials("testing", "testing", "session-xyz");
        var client = new AutoScalingClient(AwsTestClients.SignedClient(server.Endpoint, AwsService.AutoScaling, credentials: credentials));

        await client.RecordLifecycleActionHeartbeatAsync("web", "drain-first", "i-0123456789abcdef0", "token-1", CancellationToken.None);

        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task CompleteLifecycleAction_ServerRefuses_ThrowsValidationError()
    {
        await using LoopbackAwsServer server = await LoopbackAwsServer.StartAsync((_, _) =>
            ValidationError("No active Lifecycle Action found with instance ID i-0123456789abcdef0"));
        var client = new AutoScalingClient(AwsTestClients.SignedClient(server.Endpoint, AwsService.AutoScaling));

        var error = await Assert.ThrowsAsync<MaxGroup.Core.Ports.RemoteApiException>(() =>
            client.CompleteLifecycleActionAsync("web", "drain-first", "i-0123456789abcdef0", null, "CONTINUE", CancellationToken.None));

        Assert.True(error.IsValidationError());
        Assert.Contains("No active Lifecycle Action", error.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    /// <summary>What Auto Scaling checks before it acts: the operation, its parameters and the signature's shape.</summary>
    private static LoopbackAnswer Check(RecordedRequest request, string action, Dictionary<string, string> expected, string? sessionToken = null)
    {
        var problems = new List<string>();
        if (request.Method != "POST" || request.Path != "/")
        {
            problems.Add($"expected POST /, got {request.Method} {request.Path}");
        }

        var form = request.Form;
        expected["Action"] = action;
        expected["Version"] = "2011-01-01";
        foreach (string name in form.Keys.Except(expected.Keys))
        {
            problems.Add($"unexpected parameter {name}");
        }

        foreach ((string name, string value) in expected)
        {
            if (!form.TryGetValue(name, out string? actual) || actual != value)
            {
                problems.Add($"{name}: expected '{value}', got '{actual}'");
            }
        }

        request.Headers.TryGetValue("X-Amz-Date", out string? amzDate);
        request.Headers.TryGetValue("Authorization", out string? authorization);
        Match match = AuthorizationShape().Match(authorization ?? "");
        string expectedSigned = sessionToken is null ? "content-type;host;x-amz-date" : "content-type;host;x-amz-date;x-amz-security-token";
        if (!match.Success)
        {
            problems.Add($"Authorization header has the wrong shape: '{authorization}'");
        }
        else
        {
            if (match.Groups["key"].Value != "testing" || match.Groups["scope"].Value != "us-east-1/autoscaling/aws4_request")
            {
                problems.Add($"wrong credential scope: {match.Groups["key"].Value}/{match.Groups["scope"].Value}");
            }

            if (amzDate is null || !amzDate.StartsWith(match.Groups["date"].Value + "T", StringComparison.Ordinal))
            {
                problems.Add($"X-Amz-Date '{amzDate}' does not match the scope date {match.Groups["date"].Value}");
            }

            if (match.Groups["signed"].Value != expectedSigned)
            {
                problems.Add($"signed headers '{match.Groups["signed"].Value}', expected '{expectedSigned}'");
            }
        }

        request.Headers.TryGetValue("X-Amz-Security-Token", out string? token);
        if (token != sessionToken)
        {
            problems.Add($"X-Amz-Security-Token '{token}', expected '{sessionToken}'");
        }

        return problems.Count > 0
            ? ValidationError(string.Join("; ", problems))
            : new LoopbackAnswer(200, $"<{action}Response xmlns=\"{Namespace}\"><{action}Result/><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></{action}Response>");
    }

    private static LoopbackAnswer ValidationError(string message) => new(400,
        $"<ErrorResponse xmlns=\"{Namespace}\"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>{System.Security.SecurityElement.Escape(message)}</Message></Error><RequestId>req-2</RequestId></ErrorResponse>");

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<key>[^/]+)/(?<date>\d{8})/(?<scope>[^,]+), SignedHeaders=(?<signed>[a-z0-9;-]+), Signature=[0-9a-f]{64}$")]
    private static partial Regex AuthorizationShape();
}
