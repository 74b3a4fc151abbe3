using System.Text.RegularExpressions;
using MaxGroup.Cli;

namespace MaxGroup.Integration.Tests.Cli;

/// <summary>
/// `maxgroup demo` is the README's first command: it must pass its own invariant checks on the emulator for every
/// scenario it offers. The demo sets the functions' environment variables; they are restored after each run.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class DemoCommandTests(MotoFixture moto)
{
    private static readonly string[] DemoVariables =
    [
        "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
        "MAXGROUP_CONFIG_BUCKET", "MAXGROUP_CONFIG_PREFIX", "MAXGROUP_LEDGER_TABLE",
    ];

    /// <summary>The checks that read the simulators' state after the run (DemoPeers.Checks).</summary>
    private static readonly string[] SimulatorChecks =
    [
        "drain: node cordoned", "drain: pods evicted", "drain: PodDisruptionBudget respected", "drain: DaemonSet pods left", "drain: node events recorded",
        "consul: services deregistered", "consul: agent left",
    ];

    /// <summary>The checks of the scene's target group (DemoTraffic): the proxy's DeregisterTargets record against the simulator's evictions.</summary>
    private static readonly string[] TrafficChecks =
    [
        "traffic: out of the target group before the first eviction", "traffic: successor registered in the target group",
    ];

    [Theory]
    [InlineData("basic")]
    [InlineData("duplicate")]
    [InlineData("stop")]
    [InlineData("crossaz")]
    [InlineData("capacity")]
    public async Task Demo_Scenario_HandOverCompletesAndChecksPass(string scenario)
    {
        await moto.ResetAsync();
        string html = Path.Combine(Path.GetTempPath(), $"maxgroup-demo-{Guid.NewGuid():N}.html");
        (int exit, string output, string error) = await RunDemoAsync(30, "--scenario", scenario, "--html", html);

        Assert.True(exit == 0, $"exit {exit}: {error}\n{output}");
        string page = await File.ReadAllTextAsync(html);
        File.Delete(html);
        Assert.Contains($"timeline written to {html}", output, StringComparison.Ordinal);
        List<string> bars = HistoryHtmlTests.BarSteps().Matches(page).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(bars.Distinct(StringComparer.Ordinal).Count(), bars.Count);
        Assert.Contains("drain", bars);
        Assert.Contains("volume", bars);
        Assert.Contains("consul", bars);
        Assert.Equal(1, HistoryHtmlTests.Count(page, "<line class=\"deadline\""));
        Assert.Contains("hand-over complete", output, StringComparison.Ordinal);
        Assert.DoesNotContain("FAILED", output, StringComparison.Ordinal);
        Assert.Contains("volume     done", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", output, StringComparison.Ordinal);
        Assert.Matches(@"drain +Kubernetes API simulator on 127\.0\.0\.1:\d+ \(no real cluster given\)", output);
        Assert.Matches(@"consul +Consul agent simulator on 127\.0\.0\.1:\d+ \(no real agent given\)", output);
        Assert.Contains("drain      done", output, StringComparison.Ordinal);
        Assert.Contains("consul     done", output, StringComparison.Ordinal);
        Assert.Contains("traffic    done", output, StringComparison.Ordinal);
        foreach (string check in SimulatorChecks.Concat(TrafficChecks))
        {
            Assert.Matches(Regex.Escape(check) + @"\W+ok ", output);
        }

        // Spot is dry for both allowed types: the successor is On-Demand, per EC2, and the ledger names the refused pool.
        if (scenario == "capacity")
        {
            Assert.Matches(@"capacity: successor from the fallback\W+ok i-[0-9a-f]+ c5\.large on-demand \(EC2 DescribeInstances\)", output);
            Assert.Matches(@"capacity: ledger names the refused candidates\W+ok replace attempts: m5\.large/spot: InsufficientInstanceCapacity", output);
        }
        else
        {
            Assert.DoesNotContain("capacity:", output, StringComparison.Ordinal);
        }

        // A terminated instance's Node is tainted out of service after the state change (the stop scenario's is not).
        if (scenario == "stop")
        {
            Assert.DoesNotContain("drain: node out of service after termination", output, StringComparison.Ordinal);
        }
        else
        {
            Assert.Matches(@"drain: node out of service after termination\W+ok ", output);
        }
    }

    [Fact]
    public async Task Demo_ScaleIn_HookCompletedOnceNothingLaunchedChecksPass()
    {
        await moto.ResetAsync();
        (int exit, string output, string error) = await RunDemoAsync(20, "--scenario", "scale-in");

        Assert.True(exit == 0, $"exit {exit}: {error}\n{output}");
        Assert.DoesNotContain("FAILED", output, StringComparison.Ordinal);
        // Spectre wraps lines at the console's width: the words may be split across lines.
        Assert.Matches(@"put as docs/deploy\.md says: maxgroup-drain \(autoscaling:EC2_INSTANCE_TERMINATING,\s+heartbeat\s+timeout\s+30\s+s,\s+default\s+CONTINUE\)", output);
        string[] checks =
        [
            "hook completed exactly once with CONTINUE", "instance left the group", "no successor launched", "data volume kept",
            "duplicate lifecycle events inert", "hand-over events reached the queue", "drain: node out of service after termination", .. SimulatorChecks,
        ];
        foreach (string check in checks)
        {
            Assert.Matches(Regex.Escape(check) + @"\W+ok ", output);
        }

        Assert.Matches(@"hook completed exactly once with CONTINUE\W+ok CONTINUE accepted at \+\d+\.\ds; \d+ heartbeat\(s\), 0 call\(s\) refused", output);
        Assert.Matches(@"desired capacity as the scale-in set it\W+ok 3 -> 2", output);
        Assert.Matches(@"duplicate lifecycle events inert\W+ok after the two redeliveries: 0 lifecycle call\(s\), 0 Kubernetes request\(s\)", output);
        Assert.Contains("lifecycle  done", output, StringComparison.Ordinal);
        Assert.Contains("hand-over complete: instance scaled in through its lifecycle hook", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_Retirement_SuccessorAndVolumeBeforeTheStartChecksPass()
    {
        await moto.ResetAsync();
        (int exit, string output, string error) = await RunDemoAsync(20, "--scenario", "retirement");

        Assert.True(exit == 0, $"exit {exit}: {error}\n{output}");
        Assert.DoesNotContain("FAILED", output, StringComparison.Ordinal);
        Assert.Matches(@"AWS Health Event: EC2 scheduledChange AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED for i-\w+, start \d\d:\d\d:\d\d \(180 s ahead", output);
        string[] checks =
        [
            "successor InService before the start time", "data volume on the successor at /dev/xvdz", "deadline is the start time", "retired instance out of the group and terminated",
            "desired capacity unchanged", "hand-over events reached the queue", "drain: node out of service after termination", .. SimulatorChecks,
        ];
        foreach (string check in checks)
        {
            Assert.Matches(Regex.Escape(check) + @"\W+ok ", output);
        }

        Assert.Matches(@"data volume on the successor at /dev/xvdz\W+ok vol-\w+ in-use in us-east-1\w, attached to (i-\w+) at /dev/xvdz", output);
        Assert.Matches(@"desired capacity unchanged\W+ok 3 -> 3, 3 members", output);
        Assert.Contains("replace    done", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_UnknownScenario_UsageErrorNamesTheScenarios()
    {
        (int exit, _, string error) = await RunDemoAsync(20, "--scenario", "scalein");

        Assert.NotEqual(0, exit);
        Assert.Contains("--scenario scalein: expected one of basic, duplicate, stop, crossaz, capacity, scale-in, retirement", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_ReclaimOutOfRange_OneLineUsageError()
    {
        (int exit, _, string error) = await RunDemoAsync(5);

        Assert.Equal(CliErrors.UsageExitCode, exit);
        Assert.StartsWith("error: --reclaim-in 5", error.Trim(), StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    private async Task<(int Exit, string Output, string Error)> RunDemoAsync(int reclaimIn, params string[] extra)
    {
        Dictionary<string, string?> saved = DemoVariables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        using var output = new StringWriter();
        using var error = new StringWriter();
        try
        {
            int exit = await Program.RunAsync(["demo", "--endpoint", moto.Endpoint, "--reclaim-in", reclaimIn.ToString(System.Globalization.CultureInfo.InvariantCulture), "--plain", .. extra], output, error, CancellationToken.None);
            return (exit, output.ToString(), error.ToString());
        }
        finally
        {
            foreach ((string name, string? value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}
