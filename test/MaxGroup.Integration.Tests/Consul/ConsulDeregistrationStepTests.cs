using System.Diagnostics;
using MaxGroup.Core.Steps.Consul;
using static MaxGroup.Integration.Tests.Consul.ConsulTestData;

namespace MaxGroup.Integration.Tests.Consul;

/// <summary>The Consul step against loopback fake Consul agents and servers (no ACL unless a test turns it on).</summary>
public sealed class ConsulDeregistrationStepTests
{
    private readonly RecordingLogger<ConsulDeregistrationStep> _logger = new();

    [Fact]
    public async Task RunAsync_AgentWithServices_DeregistersEachThenLeaves()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.AddService("web-1", "web");
        agent.AddService("api-1", "api");
        agent.StopAfterLeave = true;

        StepOutcome outcome = await Step(null, _logger).RunAsync(Request(ConsulConfig(agent.Port)), CancellationToken.None);

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal(
            ["PUT /v1/agent/service/deregister/web-1", "PUT /v1/agent/service/deregister/api-1", "PUT /v1/agent/leave"],
            agent.Puts.Select(r => $"{r.Method} {r.Path}").ToArray());
        Assert.Empty(agent.ServiceIds);
        Assert.Equal("web-1,api-1", outcome.Details["deregistered_services"]);
        Assert.Equal("consul-node-1", outcome.Details["node"]);
        Assert.Equal("true", outcome.Details["agent_left"]);
        Assert.Equal(StepNames.Consul, Step(null, _logger).Name);
    }

    [Fact]
    public async Task RunAsync_AgentHasNoServices_StillLeaves()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();

        StepOutcome outcome = await Step(null, _logger).RunAsync(Request(ConsulConfig(agent.Port)), CancellationToken.None);

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal(["/v1/agent/leave"], agent.Puts.Select(r => r.Path).ToArray());
        Assert.False(outcome.Details.ContainsKey("deregistered_services"));
    }

    [Fact]
    public async Task RunAsync_ServiceReRegistersOnce_VerificationCatchesItAndRetries()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.AddService("web-1", "web");
        agent.AddService("api-1", "api");
        agent.ReRegisterAfterDeregister("web-1");

        StepOutcome outcome = await Step(null, _logger).RunAsync(Request(ConsulConfig(agent.Port)), CancellationToken.None);

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Empty(agent.ServiceIds);
        Assert.Equal(2, agent.Puts.Count(r => r.Path == "/v1/agent/service/deregister/web-1"));
        Assert.Equal(1, agent.Puts.Count(r => r.Path == "/v1/agent/service/deregister/api-1"));
        Assert.Equal(2, agent.Puts.Count(r => r.Path == "/v1/agent/leave"));
        Assert.Equal("web-1", outcome.Details["reregistered"]);
        Assert.Equal("web-1,api-1", outcome.Details["deregistered_services"]);
        Assert.Equal("3", outcome.Details["attempts"]);
    }

    [Fact]
    public async Task RunAsync_ServiceKeepsComingBack_FailsAtDeadlineWithRecordedIds()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.AddService("web-1", "web");
        // Re-registered after every deregistration: verification can never pass.
        agent.ReRegisterAfterDeregister("web-1", int.MaxValue);
        var watch = Stopwatch.StartNew();
        StepOutcome outcome = await Step(null, _logger).RunAsync(Request(ConsulConfig(agent.Port), untilReclaim: TimeSpan.FromSeconds(4)), CancellationToken.None);

        Assert.Equal(StepStatus.Failed, outcome.Status);
        // Either the last verification found the service again or the deadline cut the last attempt short.
        Assert.Matches("still lists services|deadline was reached", outcome.Reason);
        Assert.Equal("web-1", outcome.Details["deregistered_services"]);
        Assert.True(agent.Puts.Count(r => r.Path == "/v1/agent/leave") >= 2);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task RunAsync_AgentDown_FallsBackToServerWithDnsShortName()
    {
        await using FakeConsul server = await FakeConsul.StartAsync("consul-server-1", "dc-east");
        server.AddCatalogNode("ip-10-1-2-3", ("web-1", "web"), ("api-1", "api"));
        server.AddCatalogNode("other-node", ("db-1", "db"));
        GroupConfig config = ConsulConfig(FakeConsul.ClosedPort()) with { ConsulServerAddress = server.Address, ConsulDatacenter = "dc-east" };

        StepOutcome outcome = await Step(null, _logger).RunAsync(Request(config), CancellationToken.None);

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal("server", outcome.Details["fallback"]);
        Assert.Equal("ip-10-1-2-3", outcome.Details["node"]);
        Assert.Equal("private_dns", outcome.Details["node_name_source"]);
        Assert.Equal("web-1,api-1", outcome.Details["deregistered_services"]);
        Assert.Equal("Unreachable", outcome.Details["agent_error"]);
        ConsulRequest deregister = Assert.Single(server.Puts, r => r.Path == "/v1/catalog/deregister");
        using (var body = JsonDocument.Parse(deregister.Body))
        {
            Assert.Equal("ip-10-1-2-3", body.RootElement.GetProperty("Node").GetString());
            Assert.Equal("dc-east", body.RootElement.GetProperty("Datacenter").GetString());
        }

        ConsulRequest forceLeave = Assert.Single(server.Puts, r => r.Path.StartsWith("/v1/agent/force-leave/", StringComparison.Ordinal));
        Assert.Equal("/v1/agent/force-leave/ip-10-1-2-3", forceLeave.Path);
        Assert.Equal("?prune", forceLeave.Query);
        Assert.False(server.HasCatalogNode("ip-10-1-2-3"));
        Assert.False(server.HasMember("ip-10-1-2-3"));
        Assert.True(server.HasCatalogNode("other-node"));
    }

    [Fact]
    public async Task RunAsync_AgentGoesDownDuringDelay_ServerFallbackUsesAgentNodeName()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync("consul-node-7", "dc1");
        agent.AddService("web-1", "web");
        await using FakeConsul server = await FakeConsul.StartAsync("consul-server-1", "dc1");
        server.AddCatalogNode("consul-node-7", ("web-1", "web"));
        server.AddCatalogNode("ip-10-1-2-3");
        GroupConfig config = ConsulConfig(agent.Port, delaySeconds: 1) with { ConsulServerAddress = "http://" + server.Address + "/" };

        Task<StepOutcome> run = Step(null, _logger).RunAsync(Request(config), CancellationToken.None);
        await agent.SelfAnswered.WaitAsync(TimeSpan.FromSeconds(10));
        await agent.StopAsync();
        StepOutcome outcome = await run;

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal("consul-node-7", outcome.Details["node"]);
        Assert.Equal("agent_self", outcome.Details["node_name_source"]);
        // No consul_datacenter: the agent's own datacenter is used.
        Assert.Equal("dc1", outcome.Details["datacenter"]);
        Assert.Empty(agent.Puts);
        Assert.False(server.HasCatalogNode("consul-node-7"));
        Assert.True(server.HasCatalogNode("ip-10-1-2-3"));
        Assert.Contains(server.Puts, r => r.Path == "/v1/agent/force-leave/consul-node-7" && r.Query == "?prune");
    }

    [Fact]
    public async Task RunAsync_ServerStillListsNodeServices_FailsWithRemainingIds()
    {
        await using FakeConsul server = await FakeConsul.StartAsync("consul-server-1", "dc1");
        server.AddCatalogNode("ip-10-1-2-3", ("web-1", "web"));
        server.IgnoreCatalogDeregister = true;
        GroupConfig config = ConsulConfig(FakeConsul.ClosedPort()) with { ConsulServerAddress = server.Address };

        StepOutcome outcome = await Step(null, _logger).RunAsync(Request(config), CancellationToken.None);

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Equal("web-1", outcome.Details["still_registered"]);
    }

    [Fact]
    public async Task RunAsync_DelayOnFakeClock_NoPutUntilTheDelayHasPassed()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.AddService("web-1", "web");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var request = Request(ConsulConfig(agent.Port, delaySeconds: 30)) with { ReclaimAt = clock.GetUtcNow().AddSeconds(120) };

        Task<StepOutcome> run = Step(null, _logger, clock: clock).RunAsync(request, CancellationToken.None);
        // The step logs just before it starts its timer on the fake clock: advance only once it waits.
        var watch = Stopwatch.StartNew();
        while (!_logger.AllText.Contains("waits", StringComparison.Ordinal) && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }

        clock.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(300);
        Assert.Empty(agent.Puts);
        Assert.False(run.IsCompleted);

        clock.Advance(TimeSpan.FromSeconds(1));
        StepOutcome outcome = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal("30", outcome.Details["delay_seconds"]);
        Assert.Equal(["/v1/agent/service/deregister/web-1", "/v1/agent/leave"], agent.Puts.Select(r => r.Path).ToArray());
    }

    [Fact]
    public async Task RunAsync_AgentDownAndNoServer_FailsClearly()
    {
        StepOutcome outcome = await Step(null, _logger).RunAsync(Request(ConsulConfig(FakeConsul.ClosedPort())), CancellationToken.None);

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Contains("unreachable", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("consul_server_address", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ServerDoesNotKnowNode_FailsNamingNode()
    {
        await using FakeConsul server = await FakeConsul.StartAsync("consul-server-1", "dc1");
        GroupConfig config = ConsulConfig(FakeConsul.ClosedPort()) with { ConsulServerAddress = server.Address };

        StepOutcome outcome = await Step(null, _logger).RunAsync(Request(config), CancellationToken.None);

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Contains("'ip-10-1-2-3'", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("No node found", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_DryRun_ListsServicesAndMakesNoPut()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.AddService("web-1", "web");
        agent.AddService("api-1", "api");
        var watch = Stopwatch.StartNew();

        StepOutcome outcome = await Step(null, _logger).RunAsync(Request(ConsulConfig(agent.Port, delaySeconds: 30), dryRun: true), CancellationToken.None);

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.Equal("web-1,api-1", outcome.Details["would_deregister"]);
        Assert.Equal("30", outcome.Details["delay_seconds"]);
        Assert.Empty(agent.Puts);
        Assert.Equal(["web-1", "api-1"], agent.ServiceIds);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "dry run does not wait the delay");
    }

    [Fact]
    public async Task RunAsync_DryRunAgentDown_ListsCatalogServicesAndMakesNoPut()
    {
        await using FakeConsul server = await FakeConsul.StartAsync("consul-server-1", "dc1");
        server.AddCatalogNode("ip-10-1-2-3", ("web-1", "web"));
        GroupConfig config = ConsulConfig(FakeConsul.ClosedPort()) with { ConsulServerAddress = server.Address, DryRun = true };

        StepOutcome outcome = await Step(null, _logger).RunAsync(Request(config), CancellationToken.None);

        Assert.Equal(StepStatus.NoOp, outcome.Status);
        Assert.Equal("web-1", outcome.Details["would_deregister"]);
        Assert.Empty(server.Puts);
        Assert.True(server.HasCatalogNode("ip-10-1-2-3"));
    }

    [Fact]
    public async Task RunAsync_SdDelaySet_WaitsItBeforeTheFirstPut()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.AddService("web-1", "web");
        GroupConfig config = ConsulConfig(agent.Port, delaySeconds: 20) with { SdDelayDetachSecs = 2 };
        DateTimeOffset start = DateTimeOffset.UtcNow;

        StepOutcome outcome = await Step(null, _logger).RunAsync(Request(config), CancellationToken.None);

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal("2", outcome.Details["delay_seconds"]);
        TimeSpan untilFirstPut = agent.Puts[0].At - start;
        Assert.True(untilFirstPut >= TimeSpan.FromSeconds(1.9), $"first PUT after {untilFirstPut}");
        Assert.True(untilFirstPut < TimeSpan.FromSeconds(10), $"first PUT after {untilFirstPut}");
    }

    [Fact]
    public async Task RunAsync_NoSdDelay_UsesDetachingDelaySeconds()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.AddService("web-1", "web");
        DateTimeOffset start = DateTimeOffset.UtcNow;

        StepOutcome outcome = await Step(null, _logger).RunAsync(Request(ConsulConfig(agent.Port, delaySeconds: 1)), CancellationToken.None);

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal("1", outcome.Details["delay_seconds"]);
        Assert.True(agent.Puts[0].At - start >= TimeSpan.FromSeconds(0.9));
    }

    [Fact]
    public async Task RunAsync_DelayLongerThanTimeLeft_ShortenedSoDeregistrationEndsBeforeReclaim()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.AddService("web-1", "web");
        // 300 s configured, 5 s to reclaim, 3 s reserved for the work: about 2 s of waiting.
        RemediationRequest request = Request(ConsulConfig(agent.Port, delaySeconds: 300), untilReclaim: TimeSpan.FromSeconds(5));
        DateTimeOffset start = DateTimeOffset.UtcNow;

        StepOutcome outcome = await Step(null, _logger).RunAsync(request, CancellationToken.None);

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal("300", outcome.Details["delay_configured_seconds"]);
        double waited = double.Parse(outcome.Details["delay_seconds"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(waited, 1.0, 2.0);
        Assert.Contains("shortened", outcome.Reason, StringComparison.Ordinal);
        Assert.True(agent.Puts[0].At - start >= TimeSpan.FromSeconds(0.9), "the shortened delay is still waited");
        Assert.All(agent.Puts, r => Assert.True(r.At < request.ReclaimAt, "every PUT happens before reclaim"));
        Assert.Equal("web-1", outcome.Details["deregistered_services"]);
    }

    [Fact]
    public async Task RunAsync_ReclaimAlreadyPassed_SkipsWithoutRequests()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.AddService("web-1", "web");

        StepOutcome outcome = await Step(null, _logger).RunAsync(Request(ConsulConfig(agent.Port), untilReclaim: TimeSpan.FromSeconds(-1)), CancellationToken.None);

        Assert.Equal(StepStatus.Skipped, outcome.Status);
        Assert.Empty(agent.Requests);
    }

    [Fact]
    public async Task RunAsync_CancelledDuringDelay_SkipsWithoutPut()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.AddService("web-1", "web");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        StepOutcome outcome = await Step(null, _logger).RunAsync(Request(ConsulConfig(agent.Port, delaySeconds: 30)), cts.Token);

        Assert.Equal(StepStatus.Skipped, outcome.Status);
        Assert.Empty(agent.Puts);
    }

    [Theory]
    [InlineData("127.0.0.1/v1/agent/leave?")]
    [InlineData("127.0.0.1@evil.example")]
    [InlineData("evil.example#")]
    [InlineData("127.0.0.1:1/x")]
    public async Task RunAsync_HostileInstanceAddress_FailsWithoutAnyRequest(string hostileIp)
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.AddService("web-1", "web");

        StepOutcome outcome = await Step(null, _logger).RunAsync(Request(ConsulConfig(agent.Port), Instance(privateIp: hostileIp)), CancellationToken.None);

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Contains("agent address", outcome.Reason, StringComparison.Ordinal);
        Assert.Empty(agent.Requests);
    }

    [Fact]
    public async Task RunAsync_HostileTemplate_FailsWithoutAnyRequest()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        GroupConfig config = ConsulConfig(agent.Port) with { ConsulAddress = "{private_ip}:{port}/v1/agent/leave?x=" };

        StepOutcome outcome = await Step(null, _logger).RunAsync(Request(config), CancellationToken.None);

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Empty(agent.Requests);
    }

    [Fact]
    public async Task RunAsync_ConsulPortUnset_NoOp()
    {
        StepOutcome outcome = await Step(null, _logger).RunAsync(Request(new GroupConfig { GroupName = "web-asg" }), CancellationToken.None);

        Assert.Equal(StepStatus.NoOp, outcome.Status);
    }

    [Fact]
    public async Task RunAsync_AclOnAndNoTokenParameter_FailsSayingSo()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        agent.RequiredToken = "s3cr3t-token-value";
        agent.AddService("web-1", "web");

        StepOutcome outcome = await Step(null, _logger).RunAsync(Request(ConsulConfig(agent.Port)), CancellationToken.None);

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Contains("no consul_token_parameter", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("PermissionDenied", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(["web-1"], agent.ServiceIds);
        Assert.All(agent.Requests, r => Assert.False(r.HadToken));
    }

    [Fact]
    public async Task RunAsync_TwoRuns_TokenReadOnceAndCached()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        (InMemorySecrets secrets, ConsulDeregistrationStep step, GroupConfig config) = TokenFromParameter(agent, "token-a");

        agent.AddService("web-1", "web");
        StepOutcome first = await step.RunAsync(Request(config), CancellationToken.None);
        agent.AddService("web-2", "web");
        StepOutcome second = await step.RunAsync(Request(config), CancellationToken.None);

        Assert.Equal(StepStatus.Done, first.Status);
        Assert.Equal(StepStatus.Done, second.Status);
        Assert.Equal(1, secrets.Reads);
        Assert.All(agent.Requests, r => Assert.True(r.TokenValid));
    }

    [Fact]
    public async Task RunAsync_TokenRotated_RereadsOnceAndSucceeds()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        (InMemorySecrets secrets, ConsulDeregistrationStep step, GroupConfig config) = TokenFromParameter(agent, "token-a");
        Assert.Equal(StepStatus.Done, (await step.RunAsync(Request(config), CancellationToken.None)).Status);

        agent.RequiredToken = "token-b";
        secrets["/maxgroup/consul-token"] = "token-b";
        agent.AddService("web-1", "web");
        StepOutcome outcome = await step.RunAsync(Request(config), CancellationToken.None);

        Assert.Equal(StepStatus.Done, outcome.Status);
        Assert.Equal(2, secrets.Reads);
        Assert.Empty(agent.ServiceIds);
        Assert.DoesNotContain("token-a", _logger.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain("token-b", _logger.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_TokenParameterMissing_FailsNamingParameter()
    {
        await using FakeConsul agent = await FakeConsul.StartAsync();
        GroupConfig config = ConsulConfig(agent.Port) with { ConsulTokenParameter = "/maxgroup/absent" };

        StepOutcome outcome = await Step(new InMemorySecrets(), _logger).RunAsync(Request(config), CancellationToken.None);

        Assert.Equal(StepStatus.Failed, outcome.Status);
        Assert.Contains("'/maxgroup/absent'", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("ParameterNotFound", outcome.Reason, StringComparison.Ordinal);
        Assert.Empty(agent.Requests);
    }

    /// <summary>The agent requires <paramref name="token"/>; the step reads it from the SecureString parameter /maxgroup/consul-token the config names.</summary>
    private (InMemorySecrets Secrets, ConsulDeregistrationStep Step, GroupConfig Config) TokenFromParameter(FakeConsul agent, string token)
    {
        agent.RequiredToken = token;
        var secrets = new InMemorySecrets { ["/maxgroup/consul-token"] = token };
        return (secrets, Step(secrets, _logger), ConsulConfig(agent.Port) with { ConsulTokenParameter = "/maxgroup/consul-token" });
    }
}
