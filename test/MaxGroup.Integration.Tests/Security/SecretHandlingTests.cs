using Amazon.DynamoDBv2.Model;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;

namespace MaxGroup.Integration.Tests.Security;

/// <summary>
/// The Consul ACL token (an SSM SecureString) through a whole interruption, dispatcher to Consul agent, with the
/// real composition on moto and the loopback Consul fake: it reaches the agent, and it appears in no ledger item,
/// no `maxgroup history` output (text or JSON), no hand-over event (routed to a queue by a rule), no dispatcher answer and no log line (logging at Debug, the most verbose level MaxGroup uses), even
/// when the agent refuses it.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class SecretHandlingTests(MotoFixture moto)
{
    private const string Parameter = "/maxgroup/consul-token";
    private const string Token = "7f0c1e2d-secret-acl-token-5b9a4c3e";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ConsulToken_InterruptionThroughDispatcher_NeverInLedgerHistoryAnswerOrLogs(bool agentAcceptsToken)
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.AddService("web-1", "web");
        agent.RequiredToken = agentAcceptsToken ? Token : "the-token-the-agent-expects";
        string config = $$"""
            {
              "replacement_strategy": "launch",
              "detaching_delay_seconds": 0,
              "consul_port": {{agent.Port}},
              "consul_address": "127.0.0.1:{port}",
              "consul_token_parameter": "{{Parameter}}"
            }
            """;
        using CliScene scene = await CliScene.CreateAsync(moto, config, maxSize: 3);
        scene.Set("POWERTOOLS_LOG_LEVEL", "Debug");
        scene.Set("AWS_LAMBDA_LOG_LEVEL", null);
        await scene.Aws.Ssm.PutParameterAsync(new PutParameterRequest { Name = Parameter, Value = Token, Type = ParameterType.SecureString, Overwrite = true });
        using MotoEventBus bus = await MotoEventBus.RouteToQueueAsync(scene.Aws, AwsTestClients.TestCredentials, """{"source":["maxgroup"]}""");
        string doomed = (await scene.InstanceIdsAsync())[0];
        var logs = new MemoryStream();
        InvocationResult answer;
        InterruptionRecord? record;
        using (var host = new LocalFunctionHost(new InvocationOptions { Inline = true }, new LogSink(logs)))
        {
            answer = await host.InvokeAsync("dispatcher", DemoScene.WarningJson("sec-warning", doomed, "us-east-1a", "terminate", DateTimeOffset.UtcNow.AddSeconds(120)), CancellationToken.None);
            record = await host.Services.Ledger.GetAsync(doomed, CancellationToken.None);
        }

        // The token really went through: read from SSM and sent to the agent.
        Assert.True(answer.Succeeded, answer.Error?.ErrorMessage);
        Assert.Contains(agent.Requests, r => r.HadToken);
        StepRecord consul = Assert.IsType<StepRecord>(record?.FindStep(StepNames.Consul));
        Assert.Equal(agentAcceptsToken ? StepStatus.Done : StepStatus.Failed, consul.Status);

        ScanResponse scan = await scene.Aws.DynamoDb.ScanAsync(new ScanRequest { TableName = CliScene.LedgerTable });
        Assert.NotEmpty(scan.Items);
        string ledgerText = string.Join("\n", scan.Items.Select(Flatten));
        Assert.Contains(doomed, ledgerText, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, ledgerText, StringComparison.Ordinal);

        (int jsonExit, string json, string jsonError) = await CliScene.RunAsync("history", "--instance", doomed, "--json");
        (int textExit, string text, string textError) = await CliScene.RunAsync("history", "--instance", doomed);
        Assert.True(jsonExit == 0 && textExit == 0, jsonError + textError);
        Assert.Contains("consul", json, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, json, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, answer.Body ?? "", StringComparison.Ordinal);

        // The events say the Consul step failed when it did, and never carry the token.
        IReadOnlyList<JsonElement> events = await bus.ReceiveAsync(e => e.Count >= 2, TimeSpan.FromSeconds(15));
        Assert.Equal(
            [agentAcceptsToken ? HandoverEventTypes.Completed : HandoverEventTypes.Failed, HandoverEventTypes.Started],
            MotoEventBus.DetailTypes(events).Order(StringComparer.Ordinal));
        string eventText = string.Join("\n", events.Select(e => e.GetRawText()));
        Assert.Contains(doomed, eventText, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, eventText, StringComparison.Ordinal);

        string logText = Encoding.UTF8.GetString(logs.ToArray());
        Assert.Contains(doomed, logText, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, logText, StringComparison.Ordinal);
    }

    /// <summary>Every value of a raw DynamoDB item, nested lists and maps included, as text.</summary>
    private static string Flatten(Dictionary<string, AttributeValue> item)
    {
        var text = new StringBuilder();
        foreach ((string key, AttributeValue value) in item)
        {
            text.Append(key).Append('=');
            Append(text, value);
            text.Append('\n');
        }

        return text.ToString();
    }

    private static void Append(StringBuilder text, AttributeValue value)
    {
        text.Append(value.S).Append(value.N).Append(' ');
        foreach (string s in value.SS ?? [])
        {
            text.Append(s).Append(' ');
        }

        foreach (AttributeValue element in value.L ?? [])
        {
            Append(text, element);
        }

        foreach ((string key, AttributeValue nested) in value.M ?? [])
        {
            text.Append(key).Append(':');
            Append(text, nested);
        }

        if (value.B is not null)
        {
            text.Append(Encoding.UTF8.GetString(value.B.ToArray()));
        }
    }
}
