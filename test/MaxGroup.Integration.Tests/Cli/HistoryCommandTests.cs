using MaxGroup.Cli.Commands;

namespace MaxGroup.Integration.Tests.Cli;

/// <summary>
/// `maxgroup history` in-process against the DynamoDB ledger on moto, after a real `maxgroup invoke dispatcher
/// --inline` of a Spot warning wrote the interruption's timeline.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class HistoryCommandTests(MotoFixture moto)
{
    private const string LaunchConfig = """{ "replacement_strategy": "launch", "detaching_delay_seconds": 0 }""";

    [Fact]
    public async Task History_AfterInlineWarning_ShowsTheTimelineAsTextAndJson()
    {
        using CliScene scene = await CliScene.CreateAsync(moto, LaunchConfig, maxSize: 3);
        string doomed = await InvokeWarningAsync(scene, 0);

        (int exitCode, string output, string error) = await CliScene.RunAsync("history", "--instance", doomed);
        (int jsonExit, string json, string jsonError) = await CliScene.RunAsync("history", "--instance", doomed, "--json");

        Assert.True(exitCode == 0, error);
        string[] lines = Lines(output);
        Assert.StartsWith($"{doomed}  group web  done  warning ", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("strategy launch, successor i-", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("interruption", StringComparison.Ordinal) && l.Contains("warning", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("replace", StringComparison.Ordinal) && l.Contains(" running", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("replace", StringComparison.Ordinal) && l.Contains(" done", StringComparison.Ordinal));

        Assert.True(jsonExit == 0, jsonError);
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement record = Assert.Single(document.RootElement.EnumerateArray().ToList());
        Assert.Equal(doomed, record.GetProperty("instanceId").GetString());
        Assert.Equal("web", record.GetProperty("group").GetString());
        Assert.Equal("done", record.GetProperty("status").GetString());
        string successor = record.GetProperty("successorInstanceId").GetString()!;
        Assert.NotEqual(doomed, successor);
        Assert.Contains(await scene.InstanceIdsAsync(), id => id == successor);
        // The traffic step is planned before the group is described (the begin does not wait for it) and, the group having
        // no load balancer, ends noop without being started: nothing to deregister, not a failed step.
        List<JsonElement> steps = record.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["replace", "traffic"], steps.Select(s => s.GetProperty("name").GetString()).ToList());
        Assert.Equal("done", steps[0].GetProperty("status").GetString());
        Assert.Equal("noop", steps[1].GetProperty("status").GetString());
        Assert.Equal("the group has no target group or Classic Load Balancer", steps[1].GetProperty("reason").GetString());
        List<string> timeline = record.GetProperty("timeline").EnumerateArray()
            .Select(e => $"{e.GetProperty("step").GetString()} {e.GetProperty("status").GetString()}").ToList();
        Assert.Equal("interruption warning", timeline[0]);
        Assert.Contains("replace running", timeline);
        Assert.Contains("replace done", timeline);
        Assert.Equal("interruption done", timeline[^1]);
    }

    [Fact]
    public async Task History_Html_WritesOnePageWithABarPerStepOfTheLedger()
    {
        using CliScene scene = await CliScene.CreateAsync(moto, LaunchConfig, maxSize: 3);
        string doomed = await InvokeWarningAsync(scene, 0);
        string file = Path.Combine(Path.GetTempPath(), $"maxgroup-history-{Guid.NewGuid():N}.html");

        try
        {
            (int exitCode, string output, string error) = await CliScene.RunAsync("history", "--instance", doomed, "--html", file);

            Assert.True(exitCode == 0, error);
            Assert.Equal([$"wrote 1 interruption(s) to {file}"], Lines(output));
            string html = await File.ReadAllTextAsync(file);
            Assert.Contains($"data-instance=\"{doomed}\"", html, StringComparison.Ordinal);
            Assert.Equal(["replace", "traffic"], HistoryHtmlTests.BarSteps().Matches(html).Select(m => m.Groups[1].Value).ToList());
            Assert.Equal(1, HistoryHtmlTests.Count(html, "<line class=\"deadline\""));
            Assert.Contains(">completed</span>", html, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task History_Since_LeavesOutOlderWarnings()
    {
        using CliScene scene = await CliScene.CreateAsync(moto, LaunchConfig, maxSize: 3);
        string recent = await InvokeWarningAsync(scene, 0);
        // An interruption of three hours ago, written through the real ledger adapter as the dispatcher writes it.
        DateTimeOffset old = DateTimeOffset.UtcNow.AddHours(-3);
        var ledger = new DynamoDbLedger(scene.Aws.DynamoDb, CliScene.LedgerTable);
        await ledger.TryBeginInterruptionAsync(
            new InterruptionRecord { InstanceId = "i-00000000000000old", GroupName = "web", WarningTime = old, ReclaimAt = old.AddMinutes(2), CreatedAt = old, ExpiresAt = old.AddDays(30) },
            new InFlightLimits(),
            old,
            CancellationToken.None);

        (int allExit, string all, string allError) = await CliScene.RunAsync("history", "--json");
        (int recentExit, string lastHour, string recentError) = await CliScene.RunAsync("history", "--since", "1h", "--json");
        (int dayExit, string lastDay, _) = await CliScene.RunAsync("history", "--since", "2d");

        Assert.True(allExit == 0, allError);
        Assert.Equal([recent, "i-00000000000000old"], Ids(all));
        Assert.True(recentExit == 0, recentError);
        Assert.Equal([recent], Ids(lastHour));
        Assert.Equal(0, dayExit);
        Assert.Contains(Lines(lastDay), l => l.StartsWith("i-00000000000000old  group web  active", StringComparison.Ordinal));
        Assert.Contains(Lines(lastDay), l => l.StartsWith(recent + "  group web  done", StringComparison.Ordinal));
    }

    [Fact]
    public async Task History_UnknownInstance_OneErrorLineAndFailure()
    {
        using CliScene scene = await CliScene.CreateAsync(moto, LaunchConfig);
        await EnsureTableAsync(scene);

        (int exitCode, string output, string error) = await CliScene.RunAsync("history", "--instance", "i-0123456789abcdef0");

        Assert.Equal(1, exitCode);
        Assert.Equal("", output);
        Assert.Equal([$"error: no interruption of i-0123456789abcdef0 in ledger table {CliScene.LedgerTable}"], Lines(error));
    }

    [Fact]
    public async Task History_MissingTable_OneErrorLineNamingTheTable()
    {
        using CliScene scene = await CliScene.CreateAsync(moto, LaunchConfig);

        (int exitCode, string output, string error) = await CliScene.RunAsync("history");

        Assert.Equal(1, exitCode);
        Assert.Equal("", output);
        string line = Assert.Single(Lines(error));
        Assert.StartsWith($"error: cannot read ledger table {CliScene.LedgerTable}: ", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1h", 60)]
    [InlineData("30m", 30)]
    [InlineData("2d", 2880)]
    [InlineData("90s", 1.5)]
    public void TryParseAge_Valid_Minutes(string text, double minutes)
    {
        Assert.True(HistoryCommand.TryParseAge(text, out TimeSpan age));
        Assert.Equal(TimeSpan.FromMinutes(minutes), age);
    }

    [Theory]
    [InlineData("1w")]
    [InlineData("h")]
    [InlineData("-1h")]
    [InlineData("0m")]
    [InlineData("1.5h")]
    public async Task History_BadSince_UsageErrorNamingTheFormat(string since)
    {
        Assert.False(HistoryCommand.TryParseAge(since, out _));

        (int exitCode, string output, string error) = await CliScene.RunAsync("history", "--since", since);

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Contains("30m, 1h, 2d", Assert.Single(Lines(error)), StringComparison.Ordinal);
    }

    /// <summary>Sends the sample warning for the group's instance through `maxgroup invoke dispatcher --inline`.</summary>
    private static async Task<string> InvokeWarningAsync(CliScene scene, int index)
    {
        await EnsureTableAsync(scene);
        string doomed = (await scene.InstanceIdsAsync())[index];
        string file = await CliScene.WarningFileAsync(doomed, DateTimeOffset.UtcNow);
        (int exitCode, string output, string error) = await CliScene.RunAsync("invoke", "dispatcher", "--event", file, "--inline");
        Assert.True(exitCode == 0, error + output);
        return doomed;
    }

    private static Task EnsureTableAsync(CliScene scene) =>
        FunctionServices.EnsureLedgerTableAsync(scene.Aws, Environment.GetEnvironmentVariable, TimeProvider.System, CancellationToken.None);

    private static List<string> Ids(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().Select(e => e.GetProperty("instanceId").GetString()!).ToList();
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
}
