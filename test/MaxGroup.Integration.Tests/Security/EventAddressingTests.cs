using System.Text.Json.Nodes;

namespace MaxGroup.Integration.Tests.Security;

/// <summary>
/// Where MaxGroup sends requests comes from EC2 facts and the group config only, never from the event: a warning
/// stuffed with addresses of a trap server (extra detail fields, an extra resource, another region and account) is
/// handled through the real composition on moto, and the Consul step talks to the agent the config names while the
/// trap sees nothing.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class EventAddressingTests(MotoFixture moto)
{
    [Fact]
    public async Task Warning_CarryingTrapAddresses_ConsulAddressedFromConfigTrapNeverCalledEventNotLogged()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        await using FakeConsul trap = await FakeConsul.StartAsync();
        agent.AddService("web-1", "web");
        trap.AddService("web-1", "web");
        string config = $$"""
            {
              "replacement_strategy": "launch",
              "detaching_delay_seconds": 0,
              "consul_port": {{agent.Port}},
              "consul_address": "127.0.0.1:{port}"
            }
            """;
        using CliScene scene = await CliScene.CreateAsync(moto, config, maxSize: 3);
        string doomed = (await scene.InstanceIdsAsync())[0];
        JsonNode warning = JsonNode.Parse(DemoScene.WarningJson("sec-addr", doomed, "us-east-1a", "terminate", DateTimeOffset.UtcNow.AddSeconds(120)))!;
        warning["account"] = "999999999999";
        warning["region"] = "eu-west-1";
        warning["resources"]!.AsArray().Add($"http://{trap.Address}/v1/agent/leave");
        JsonNode detail = warning["detail"]!;
        detail["private-ip-address"] = "127.0.0.1";
        detail["private-dns-name"] = "localhost";
        detail["consul-address"] = trap.Address;
        detail["consul_address"] = trap.Address;
        detail["consul_port"] = trap.Port;
        detail["endpoint"] = $"http://{trap.Address}/";
        detail["k8s_endpoint"] = $"https://{trap.Address}/";

        InvocationResult answer;
        InterruptionRecord? record;
        var logs = new MemoryStream();
        using (var host = new LocalFunctionHost(new InvocationOptions { Inline = true }, new LogSink(logs)))
        {
            answer = await host.InvokeAsync("dispatcher", warning.ToJsonString(), CancellationToken.None);
            record = await host.Services.Ledger.GetAsync(doomed, CancellationToken.None);
        }

        Assert.True(answer.Succeeded, answer.Error?.ErrorMessage);
        StepRecord consul = Assert.IsType<StepRecord>(record?.FindStep(StepNames.Consul));
        Assert.True(consul.Status == StepStatus.Done, consul.Reason);
        Assert.NotEmpty(agent.Puts);
        Assert.Empty(trap.Requests);
        Assert.Equal(StepStatus.Done, record!.FindStep(StepNames.Replace)?.Status);

        // Least data in logs: the event is logged by its id and the instance, never whole (its extra fields do not
        // appear), and the instance's tags (the group propagates team=blue) are not logged.
        string logText = System.Text.Encoding.UTF8.GetString(logs.ToArray());
        Assert.Contains("sec-addr", logText, StringComparison.Ordinal);
        Assert.Contains(doomed, logText, StringComparison.Ordinal);
        Assert.DoesNotContain(trap.Address, logText, StringComparison.Ordinal);
        Assert.DoesNotContain("999999999999", logText, StringComparison.Ordinal);
        Assert.DoesNotContain("blue", logText, StringComparison.Ordinal);
    }
}
