using System.CommandLine;
using MaxGroup.Cli.Local;
using MaxGroup.Functions.Observability;
using MaxGroup.Simulators.Aws;
using Spectre.Console;

namespace MaxGroup.Cli.Demo;

/// <summary>
/// `maxgroup demo`: MaxGroup doing its job on this machine with no AWS account. Starts moto on a free loopback port
/// (or uses --endpoint), builds a Spot group with a data volume, sends a real-shaped interruption warning through the
/// dispatcher, plays AWS's part, and shows the hand-over; drain and Consul run against loopback simulators. Exit 0 only
/// when every promised invariant holds.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var endpoint = new Option<string?>("--endpoint") { Description = "use this running AWS emulator (a fresh one: the demo creates its own resources) instead of starting moto" };
        var scenario = new Option<DemoScenario>("--scenario")
        {
            Description = "basic, duplicate (the warning twice), stop (a stop interruption), crossaz (successor in another zone: snapshot path), scale-in (a terminate lifecycle hook), retirement (an AWS Health instance retirement), capacity (no Spot capacity: the successor comes from the fallback)",
            DefaultValueFactory = _ => DemoScenario.Basic,
            CustomParser = DemoScenarioNames.Parse,
        };
        var reclaimIn = new Option<int>("--reclaim-in") { Description = "seconds from now until AWS reclaims the instance (the warning is back-dated; AWS gives 120)", DefaultValueFactory = _ => 30 };
        var plain = new Option<bool>("--plain") { Description = "no colours or terminal control codes (automatic when output is redirected)" };
        var logFile = new Option<FileInfo?>("--log-file") { Description = "write the functions' JSON log lines here (default: discarded)" };
        var html = new Option<FileInfo?>("--html") { Description = "also write the hand-over's timeline as one self-contained HTML page (as history --html)" };
        var command = new Command("demo", "show MaxGroup handing a Spot interruption over, on a local AWS emulator");
        command.Options.Add(endpoint);
        command.Options.Add(scenario);
        command.Options.Add(reclaimIn);
        command.Options.Add(plain);
        command.Options.Add(logFile);
        command.Options.Add(html);
        command.SetAction((parsed, cancellationToken) => RunAsync(
            parsed.GetValue(endpoint),
            parsed.GetValue(scenario),
            parsed.GetValue(reclaimIn),
            parsed.GetValue(plain),
            parsed.GetValue(logFile),
            parsed.GetValue(html),
            parsed.InvocationConfiguration.Output,
            parsed.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    public static async Task<int> RunAsync(string? endpoint, DemoScenario scenario, int reclaimInSeconds, bool plain, FileInfo? logFile, FileInfo? html, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (reclaimInSeconds is < 10 or > 120)
        {
            await error.WriteLineAsync(CliErrors.Format($"--reclaim-in {reclaimInSeconds}: must be between 10 and 120 seconds")).ConfigureAwait(false);
            return CliErrors.UsageExitCode;
        }

        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = plain ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = plain ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = InteractionSupport.No,
        });
        if (!ReferenceEquals(output, Console.Out) || Console.IsOutputRedirected)
        {
            // Piped or captured output has no terminal width; Spectre would wrap every line at 80 columns.
            console.Profile.Width = 160;
        }

        MotoServer? moto = null;
        try
        {
            if (string.IsNullOrWhiteSpace(endpoint))
            {
                console.MarkupLine("[grey]starting the AWS emulator (moto) on a free loopback port...[/]");
                moto = await MotoServer.StartAsync(cancellationToken).ConfigureAwait(false);
                endpoint = moto.Endpoint;
            }

            // moto applies neither a conditional DynamoDB write nor an Auto Scaling attach/detach atomically under
            // concurrent requests (AWS does): one request at a time to those two, as in the tests, so the checks judge
            // MaxGroup and not the emulator's races.
            // The proxy also gives what moto lacks and the demo shows: ELBv2 draining, EC2 capacity (DemoEmulator).
            var emulator = new DemoEmulator(TimeProvider.System);
            await using SerializingDynamoDbProxy serial = await SerializingDynamoDbProxy.StartAsync(endpoint, emulator.Semantics).ConfigureAwait(false);
            console.MarkupLine($"AWS emulator: [bold]{Markup.Escape(endpoint)}[/] (through {Markup.Escape(serial.Endpoint)}: DynamoDB and Auto Scaling requests one at a time, as AWS applies them atomically). Drain and Consul run against loopback simulators of the Kubernetes API and a Consul agent (no real cluster or agent given).");
            ConfigureEnvironment(serial.Endpoint);
            await using Stream logStream = logFile is null ? Stream.Null : logFile.Open(FileMode.Create, FileAccess.Write, FileShare.Read);
            var runner = new DemoRunner(console, scenario, TimeSpan.FromSeconds(reclaimInSeconds), html, serial.LifecycleActions) { Emulator = emulator };
            IReadOnlyList<string> failed = await runner.RunAsync(new LogSink(logStream), cancellationToken).ConfigureAwait(false);
            if (failed.Count > 0)
            {
                await error.WriteLineAsync(CliErrors.Format($"demo checks failed: {string.Join("; ", failed)}")).ConfigureAwait(false);
                return CliErrors.FailureExitCode;
            }

            console.MarkupLine($"[green]hand-over complete:[/] {DemoScenarioNames.Outcome(scenario)}");
            return 0;
        }
        catch (InvalidOperationException ex) when (moto is null && ex.Message.StartsWith("moto_server", StringComparison.Ordinal))
        {
            await error.WriteLineAsync(CliErrors.Format(ex.Message)).ConfigureAwait(false);
            return CliErrors.FailureExitCode;
        }
        finally
        {
            if (moto is not null)
            {
                await moto.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The same variables the functions read in Lambda, pointed at the emulator and the demo's bucket.</summary>
    private static void ConfigureEnvironment(string endpoint)
    {
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL", endpoint);
        Environment.SetEnvironmentVariable("AWS_REGION", "us-east-1");
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") ?? "testing");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY") ?? "testing");
        Environment.SetEnvironmentVariable("MAXGROUP_CONFIG_BUCKET", DemoScene.ConfigBucket);
        Environment.SetEnvironmentVariable("MAXGROUP_CONFIG_PREFIX", "groups/");
        Environment.SetEnvironmentVariable("MAXGROUP_LEDGER_TABLE", "maxgroup-demo-ledger");
    }
}
