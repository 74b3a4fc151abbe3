using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using MaxGroup.Aws.Ssm;
using MaxGroup.Core.Steps.Consul;
using static MaxGroup.Integration.Tests.Consul.ConsulTestData;

namespace MaxGroup.Integration.Tests.Consul;

/// <summary>The ACL token read from an SSM SecureString on moto and sent to the loopback Consul fake.</summary>
[Collection(MotoCollection.Name)]
public sealed class ConsulAclMotoTests(MotoFixture moto) : IDisposable
{
    private const string Parameter = "/maxgroup/web-asg/consul-token";
    private readonly RecordingLogger<ConsulDeregistrationStep> _logger = new();
    private readonly AmazonSimpleSystemsManagementClient _ssm = new(
        new BasicAWSCredentials("testing", "testing"),
        new AmazonSimpleSystemsManagementConfig { ServiceURL = moto.Endpoint, AuthenticationRegion = MotoFixture.Region });

    public void Dispose() => _ssm.Dispose();

    [Fact]
    public async Task RunAsync_TokenFromSsm_SentOnEveryRequestAndDeregisters()
    {
        await moto.ResetAsync();
        const string token = "9f3c2a51-7d0e-4b8a-a1c4-5e6f7a8b9c0d";
        await PutTokenAsync(token);
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.RequiredToken = token;
        agent.AddService("web-1", "web");
        agent.StopAfterLeave = true;

        StepOutcome outcome = await Step(new SsmSecureParameterReader(_ssm), _logger).RunAsync(Request(TokenConfig(agent.Port)), CancellationToken.None);

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal("web-1", outcome.Details["deregistered_services"]);
        Assert.NotEmpty(agent.Requests);
        Assert.All(agent.Requests, r => Assert.True(r.TokenValid, $"{r.Method} {r.Path} without the token"));
        AssertNoSecret(token, outcome);
    }

    [Fact]
    public async Task RunAsync_WrongTokenInSsm_FailsNamingParameterAndNeverShowsToken()
    {
        await moto.ResetAsync();
        const string wrongToken = "wrong-1c0ffee0-dead-4bee-8f00-000000000bad";
        await PutTokenAsync(wrongToken);
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.RequiredToken = "the-real-token-0000";
        agent.AddService("web-1", "web");

        StepOutcome outcome = await Step(new SsmSecureParameterReader(_ssm), _logger).RunAsync(Request(TokenConfig(agent.Port)), CancellationToken.None);

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Contains($"'{Parameter}'", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("AclNotFound", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(["web-1"], agent.ServiceIds);
        Assert.Empty(agent.Puts);
        Assert.NotEmpty(_logger.Lines);
        Assert.Contains(Parameter, _logger.AllText, StringComparison.Ordinal);
        AssertNoSecret(wrongToken, outcome);
    }

    [Fact]
    public async Task RunAsync_TokenParameterAbsentOnSsm_FailsNamingParameter()
    {
        await moto.ResetAsync();
        await using FakeConsul agent = await FakeConsul.StartAsync();

        StepOutcome outcome = await Step(new SsmSecureParameterReader(_ssm), _logger).RunAsync(Request(TokenConfig(agent.Port)), CancellationToken.None);

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Contains($"'{Parameter}'", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("ParameterNotFound", outcome.Reason, StringComparison.Ordinal);
        Assert.Empty(agent.Requests);
    }

    [Fact]
    public async Task GetSecureStringAsync_SecureString_Decrypted()
    {
        await moto.ResetAsync();
        await PutTokenAsync("abc-123");

        string value = await new SsmSecureParameterReader(_ssm).GetSecureStringAsync(Parameter, CancellationToken.None);

        Assert.Equal("abc-123", value);
    }

    [Fact]
    public async Task GetSecureStringAsync_Missing_RemoteApiExceptionWithCode()
    {
        await moto.ResetAsync();

        var ex = await Assert.ThrowsAsync<RemoteApiException>(() => new SsmSecureParameterReader(_ssm).GetSecureStringAsync("/nope", CancellationToken.None));

        Assert.Equal("ssm", ex.Service);
        Assert.Equal("ParameterNotFound", ex.ErrorCode);
    }

    [Fact]
    public async Task GetSecureStringAsync_ClientFromFactoryWithSsmEndpointVariable_ReadsFromThatEndpoint()
    {
        await moto.ResetAsync();
        await PutTokenAsync("from-env-endpoint");
        var environment = AwsEnvironment.FromVariables(new Dictionary<string, string>
        {
            [AwsEnvironment.RegionVariable] = MotoFixture.Region,
            [AwsService.Ssm.EndpointVariable] = moto.Endpoint,
        });
        using var factory = new AwsClientFactory(environment, TimeProvider.System, new BasicAWSCredentials("testing", "testing"));

        string value = await new SsmSecureParameterReader(factory.Ssm).GetSecureStringAsync(Parameter, CancellationToken.None);

        Assert.Equal("from-env-endpoint", value);
    }

    private static GroupConfig TokenConfig(int port) => ConsulConfig(port) with { ConsulTokenParameter = Parameter };

    private async Task PutTokenAsync(string value) =>
        await _ssm.PutParameterAsync(new PutParameterRequest { Name = Parameter, Value = value, Type = ParameterType.SecureString, Overwrite = true });

    private void AssertNoSecret(string secret, StepOutcome outcome)
    {
        Assert.DoesNotContain(secret, _logger.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, outcome.Reason ?? "", StringComparison.Ordinal);
        Assert.All(outcome.Details, pair =>
        {
            Assert.DoesNotContain(secret, pair.Key, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, pair.Value, StringComparison.Ordinal);
        });
    }
}
