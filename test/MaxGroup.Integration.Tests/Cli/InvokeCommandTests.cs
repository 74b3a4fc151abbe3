using MaxGroup.Integration.Tests.Runtime;

namespace MaxGroup.Integration.Tests.Cli;

/// <summary>`maxgroup invoke` run in-process through its entry method, against moto as AWS_ENDPOINT_URL.</summary>
[Collection(MotoCollection.Name)]
public sealed class InvokeCommandTests
{
    private readonly MotoFixture _moto;

    public InvokeCommandTests(MotoFixture moto)
    {
        _moto = moto;
    }

    [Fact]
    public async Task Invoke_MalformedEvent_ExitsNonZeroWithOneLineNamingField()
    {
        (int exitCode, string output, string error) = await RunAsync("invoke", "dispatcher", "--event", RepositoryPaths.Event("invalid/spot-warning-missing-instance-id.json"));

        Assert.NotEqual(0, exitCode);
        Assert.Equal("", output);
        Assert.Equal(["error: detail.instance-id is missing"], Lines(error));
    }

    [Theory]
    [InlineData("dispatcher", "invalid/spot-warning-missing-instance-id.json", "error: detail.instance-id is missing")]
    [InlineData("dispatcher", "invalid/truncated-json.json", "error: ")]
    [InlineData("replace", "invalid/spot-warning-missing-instance-id.json", "error: detail.instance-id is missing")]
    [InlineData("drain", "ec2-spot-interruption-warning.json", "error: remediation request is not valid")]
    public async Task Invoke_MalformedEventWithNoAwsEnvironment_ItsOwnErrorAndExitCodeBeforeAnyRegionIsNeeded(string function, string eventFile, string expectedStart)
    {
        string[] cleared = ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"];
        Dictionary<string, string?> saved = cleared.Append("AWS_CONFIG_FILE").Append("AWS_SHARED_CREDENTIALS_FILE").ToDictionary(n => n, Environment.GetEnvironmentVariable);
        foreach (string name in cleared)
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", "/nonexistent/maxgroup-test/config");
        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/maxgroup-test/credentials");
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            int exitCode = await MaxGroup.Cli.Program.RunAsync(["invoke", function, "--event", RepositoryPaths.Event(eventFile)], output, error, CancellationToken.None);

            Assert.Equal(MaxGroup.Cli.CliErrors.InvalidEventExitCode, exitCode);
            Assert.Equal("", output.ToString());
            string line = Assert.Single(Lines(error.ToString()));
            Assert.StartsWith(expectedStart, line, StringComparison.Ordinal);
            Assert.DoesNotContain("region", line, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            foreach ((string name, string? value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }

    [Theory]
    [InlineData("volume", "ec2-instance-state-change-terminated.json", true)]
    [InlineData("volume", "autoscaling-instance-launch-successful.json", true)]
    [InlineData("volume", "scheduled-event.json", true)]
    [InlineData("volume", "invalid/spot-warning-missing-instance-id.json", false)]
    [InlineData("replace", "ec2-spot-interruption-warning.json", true)]
    [InlineData("replace", "ec2-instance-state-change-terminated.json", true)]
    [InlineData("replace", "invalid/spot-warning-missing-instance-id.json", false)]
    [InlineData("drain", "ec2-spot-interruption-warning.json", false)]
    public void CheckEvent_VolumeAndReplaceFunctions_TakeTheEventsTheyAreSent(string function, string eventFile, bool accepted)
    {
        // As deployed, the dispatcher forwards state changes, launches and the sweep to the volume function as events,
        // and the Spot warning rule targets the replace function too (which answers any other event NoOp): `invoke
        // volume` and `invoke replace` take them as the functions do; a malformed event is refused as they refuse it,
        // and a function that takes only requests refuses an event.
        string? problem = MaxGroup.Cli.Commands.InvokeCommand.CheckEvent(function, File.ReadAllText(RepositoryPaths.Event(eventFile)));

        Assert.Equal(accepted, problem is null);
    }

    [Fact]
    public async Task InvokeHelp_ListsEveryFunctionTheBootstrapServes()
    {
        (int exitCode, string output, _) = await RunAsync("invoke", "--help");

        Assert.Equal(0, exitCode);
        foreach (string name in HandlerCatalog.CreateDefault(TestFunctionServices.Create()).Names)
        {
            Assert.Contains(name, output, StringComparison.Ordinal);
        }

        Assert.Contains("dispatcher, replace, volume, drain, consul, preaction", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_SpotWarningForUnknownInstance_ExitsZeroWithNoOp()
    {
        await _moto.ResetAsync();

        (int exitCode, string output, string error) = await RunAsync("invoke", "dispatcher", "--event", RepositoryPaths.Event("ec2-spot-interruption-warning.json"), "--dry-run");

        Assert.True(exitCode == 0, error);
        using JsonDocument body = JsonDocument.Parse(output);
        Assert.Equal("NoOp", body.RootElement.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData(new[] { "invoke", "dispatch", "--event", "events/ec2-spot-interruption-warning.json" }, "error: handler \"dispatch\" is not a MaxGroup handler; valid handlers: dispatcher")]
    [InlineData(new[] { "invoke", "dispatcher" }, "error: Option '--event' is required.")]
    [InlineData(new[] { "invoke", "dispatcher", "--event", "events/no-such-file.json" }, "error: cannot read event file")]
    [InlineData(new[] { "launch" }, "error: ")]
    public async Task Invoke_BadCommandLine_ExitsNonZeroWithOneErrorLine(string[] args, string expectedStart)
    {
        string[] resolved = [.. args.Select(a => a.StartsWith("events/", StringComparison.Ordinal) ? Path.Combine(RepositoryPaths.Root, a) : a)];

        (int exitCode, string output, string error) = await RunAsync(resolved);

        Assert.NotEqual(0, exitCode);
        Assert.Equal("", output);
        string line = Assert.Single(Lines(error));
        Assert.StartsWith(expectedStart, line, StringComparison.Ordinal);
    }

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        string? previous = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL", _moto.Endpoint);
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            int exitCode = await MaxGroup.Cli.Program.RunAsync(args, output, error, CancellationToken.None);
            return (exitCode, output.ToString(), error.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL", previous);
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
