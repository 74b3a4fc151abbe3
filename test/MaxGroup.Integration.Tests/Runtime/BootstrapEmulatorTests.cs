namespace MaxGroup.Integration.Tests.Runtime;

/// <summary>
/// The published Native AOT bootstrap served by the @vercel/fun Runtime API emulator, as Lambda's provided runtime
/// would run it. AWS calls go to moto, so a handler that looks an instance up finds nothing and answers no-op.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class BootstrapEmulatorTests : IClassFixture<BootstrapFixture>
{
    private static readonly string SpotWarning = File.ReadAllText(RepositoryPaths.Event("ec2-spot-interruption-warning.json"));
    private static readonly string MissingInstanceId = File.ReadAllText(RepositoryPaths.Event("invalid/spot-warning-missing-instance-id.json"));

    private readonly BootstrapFixture _bootstrap;
    private readonly MotoFixture _moto;

    public BootstrapEmulatorTests(BootstrapFixture bootstrap, MotoFixture moto)
    {
        _bootstrap = bootstrap;
        _moto = moto;
    }

    [Fact]
    public async Task Bootstrap_SpotWarningForUnknownInstance_AnswersNoOp()
    {
        await ResetWithLedgerAsync();

        FunRun run = await FunEmulator.InvokeAsync(_bootstrap.Directory, "dispatcher", Environment(), SpotWarning);

        FunResult result = Assert.Single(run.Results);
        Assert.Null(result.FunctionError);
        using JsonDocument body = JsonDocument.Parse(result.Payload);
        Assert.Equal("NoOp", body.RootElement.GetProperty("status").GetString());
        Assert.False(string.IsNullOrWhiteSpace(body.RootElement.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task Bootstrap_MalformedEvent_ReturnsErrorShapeNamingField()
    {
        await ResetWithLedgerAsync();

        FunRun run = await FunEmulator.InvokeAsync(_bootstrap.Directory, "dispatcher", Environment(), MissingInstanceId);

        FunResult result = Assert.Single(run.Results);
        // "Handled": the bootstrap posted to .../invocation/{id}/error itself rather than crashing.
        Assert.Equal("Handled", result.FunctionError);
        using JsonDocument body = JsonDocument.Parse(result.Payload);
        Assert.Equal("EventParseException", body.RootElement.GetProperty("errorType").GetString());
        Assert.Equal("detail.instance-id is missing", body.RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal(JsonValueKind.Array, body.RootElement.GetProperty("stackTrace").ValueKind);
    }

    [Fact]
    public async Task Bootstrap_AfterFailedInvocation_SameProcessServesNext()
    {
        await ResetWithLedgerAsync();

        FunRun run = await FunEmulator.InvokeAsync(_bootstrap.Directory, "dispatcher", Environment(), SpotWarning, "{not json", MissingInstanceId, SpotWarning);

        Assert.Equal([null, "Handled", "Handled", null], run.Results.Select(r => r.FunctionError));
        using JsonDocument notJson = JsonDocument.Parse(run.Results[1].Payload);
        string message = notJson.RootElement.GetProperty("errorMessage").GetString()!;
        Assert.StartsWith("event is not valid JSON: line 1, position 2: ", message, StringComparison.Ordinal);
        // The runtime's own words, not a resource key such as "InvalidStartOfPropertyName" (UseSystemResourceKeys).
        Assert.Contains(" is an invalid start of a property name", message, StringComparison.Ordinal);
        using JsonDocument last = JsonDocument.Parse(run.Results[3].Payload);
        Assert.Equal("NoOp", last.RootElement.GetProperty("status").GetString());
        // One execution environment served all four: only the first invocation's log lines say cold_start.
        var perInvocation = run.Logs
            .Where(l => l.TryGetProperty("function_request_id", out _))
            .GroupBy(l => l.GetProperty("function_request_id").GetString())
            .Select(g => g.First().GetProperty("cold_start").GetBoolean())
            .ToList();
        Assert.Equal([true, false, false, false], perInvocation);
    }

    [Fact]
    public async Task Bootstrap_UnknownHandler_ReportsInitErrorNamingValidHandlers()
    {
        FunRun run = await FunEmulator.InvokeAsync(_bootstrap.Directory, "dispatch", Environment(), SpotWarning);

        FunResult result = Assert.Single(run.Results);
        // "Unhandled" is how the emulator answers an init error.
        Assert.Equal("Unhandled", result.FunctionError);
        using JsonDocument body = JsonDocument.Parse(result.Payload);
        Assert.Equal("Runtime.UnknownHandler", body.RootElement.GetProperty("errorType").GetString());
        Assert.Contains("valid handlers: dispatcher", body.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
    }

    /// <summary>A clean emulator holding what the stack provides in AWS: the ledger table the dispatcher reads first.</summary>
    private async Task ResetWithLedgerAsync()
    {
        await _moto.ResetAsync();
        using AwsClientFactory aws = AwsTestClients.MotoFactory(_moto);
        await LedgerTable.CreateIfMissingAsync(aws.DynamoDb, Environment()["MAXGROUP_LEDGER_TABLE"], TimeProvider.System, CancellationToken.None);
    }

    private Dictionary<string, string> Environment() => new()
    {
        ["AWS_ENDPOINT_URL"] = _moto.Endpoint,
        ["MAXGROUP_CONFIG_BUCKET"] = "maxgroup-e2e-config",
        ["MAXGROUP_LEDGER_TABLE"] = "maxgroup-e2e-ledger",
        ["POWERTOOLS_SERVICE_NAME"] = "maxgroup-e2e",
    };
}
