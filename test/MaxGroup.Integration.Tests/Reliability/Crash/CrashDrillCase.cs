using System.Diagnostics;
using Amazon.EC2.Model;

namespace MaxGroup.Integration.Tests.Reliability.Crash;

/// <summary>In-process: `invoke dispatcher --inline` runs the steps in the dispatcher's process. Deployed: each step is its own child, started through Lambda Invoke.</summary>
public enum CrashMode
{
    Inline,
    Deployed,
}

/// <summary>
/// One case of the crash drill, on its own moto: the demo's Spot group of three (data volume at /dev/sdf, launch
/// strategy), the warning back-dated so the reclaim comes 100 s after its first delivery, delivered to a child process
/// that may be SIGKILLed at the scripted call, then the same warning again at once and 60 s after the first delivery
/// (Lambda's first async retry). As deployed, a killed step child runs again with the same payload 60 s after its death.
/// At the reclaim time AWS's part is played: the instance terminated in moto, the state change delivered (again at once
/// if that child was killed), and the scheduled sweep. Then the invariants are read from moto and the ledger.
/// </summary>
public sealed class CrashDrillCase
{
    public const string LedgerTable = "maxgroup-crash-ledger";

    /// <summary>From the first delivery to the reclaim time: the warning is dated 20 s in the past.</summary>
    public static readonly TimeSpan ReclaimAfter = TimeSpan.FromSeconds(100);

    /// <summary>Lambda's first asynchronous retry comes about a minute after the failed invocation.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(60);

    /// <summary>No case runs longer than this from its first delivery: what is still running then is killed and reported.</summary>
    public static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(240);

    private readonly CrashMode _mode;
    private readonly string _directory;
    private readonly CrashKillProxy _proxy;
    private readonly Dictionary<string, string> _variables;
    private readonly List<CrashChild> _children = [];
    private readonly List<Task> _stepWork = [];
    private readonly CancellationTokenSource _stopped = new();
    private DateTimeOffset _limit;
    private int _childCount;

    private CrashDrillCase(CrashMode mode, string directory, CrashKillProxy proxy)
    {
        _mode = mode;
        _directory = directory;
        _proxy = proxy;
        _variables = new Dictionary<string, string>
        {
            ["AWS_REGION"] = MotoFixture.Region,
            ["AWS_ACCESS_KEY_ID"] = "testing",
            ["AWS_SECRET_ACCESS_KEY"] = "testing",
            ["MAXGROUP_CONFIG_BUCKET"] = DemoScene.ConfigBucket,
            ["MAXGROUP_CONFIG_PREFIX"] = "groups/",
            ["MAXGROUP_LEDGER_TABLE"] = LedgerTable,
            ["KUBECONFIG"] = "",
        };
        foreach (string step in new[] { "replace", "volume", "drain", "consul" })
        {
            _variables[MaxGroup.Aws.Lambda.LambdaFunctionInvoker.FunctionVariable(step)] = "maxgroup-" + step;
        }
    }

    /// <summary>Runs one case (<paramref name="kill"/> null: the calibration run) and checks the invariants.</summary>
    public static async Task<CrashCaseResult> RunAsync(CrashMode mode, CrashKillPoint? kill, string artifactsDirectory)
    {
        var clock = Stopwatch.StartNew();
        string name = $"{mode.ToString().ToLowerInvariant()}-{(kill is null ? "calibration" : kill.Key.Replace(' ', '-').Replace(':', '-').Replace("#", "", StringComparison.Ordinal))}";
        string directory = Path.Combine(artifactsDirectory, "cases", name);
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        var result = new CrashCaseResult { Name = name, Mode = mode.ToString().ToLowerInvariant(), Kill = kill };
        await using MotoServer moto = await MotoServer.StartAsync(CancellationToken.None);
        using AwsClientFactory direct = AwsTestClients.EndpointFactory(moto.Endpoint);
        await using SerializingDynamoDbProxy serialised = await SerializingDynamoDbProxy.StartAsync(moto.Endpoint);
        await using AwsFaultProxy tokens = await AwsFaultProxy.StartAsync(serialised.Endpoint);
        await using var proxy = new CrashKillProxy(tokens.Endpoint, kill);
        var run = new CrashDrillCase(mode, directory, proxy);
        try
        {
            CrashScene scene = await CrashScene.BuildAsync(direct, LedgerTable);
            await run.PlayAsync(scene, direct);
            result.Invariants = await CrashInvariants.CheckAsync(direct, LedgerTable, scene, proxy.Calls);
            result.Steps = await CrashInvariants.LedgerStepsAsync(direct, LedgerTable, scene.Doomed);
            result.Reclaim = scene.ReclaimAt;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            result.Error = $"{ex.GetType().Name}: {ex.Message} {ex.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}";
        }
        finally
        {
            await run.StopChildrenAsync();
            result.Finish(proxy, run.Children(), clock.Elapsed);
            await File.WriteAllTextAsync(Path.Combine(directory, "case.txt"), result.Detail());
        }

        return result;
    }

    private async Task PlayAsync(CrashScene scene, AwsClientFactory direct)
    {
        string warning = await WriteEventAsync("warning.json", DemoScene.WarningJson($"crash-{Guid.NewGuid():N}", scene.Doomed, scene.Zone, "terminate", scene.ReclaimAt));
        _proxy.LambdaInvoked = (function, payload) =>
        {
            Track(Task.Run(() => RunStepAsync(function, payload)));
            return Task.CompletedTask;
        };
        DateTimeOffset firstDelivery = scene.ReclaimAt - ReclaimAfter;
        _limit = firstDelivery + CaseLimit;
        Task retry = Track(DeliverAtAsync(firstDelivery + RetryAfter, "warning, Lambda retry at +60 s", warning));
        await DeliverAsync("warning", warning);
        await DeliverAsync("warning again at once", warning);
        await retry;

        await UntilAsync(scene.ReclaimAt);
        await direct.Ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [scene.Doomed] });
        string stateChange = await WriteEventAsync("state-change.json", DemoScene.StateChangeJson($"crash-state-{Guid.NewGuid():N}", scene.Doomed, "terminated", DateTimeOffset.UtcNow));
        if ((await DeliverAsync("state change", stateChange)).Killed)
        {
            await DeliverAsync("state change again", stateChange);
        }

        await StepWorkAsync();
        string sweep = await WriteEventAsync("sweep.json", await ScheduledEventAsync());
        if ((await DeliverAsync("sweep", sweep)).Killed)
        {
            await DeliverAsync("sweep again", sweep);
        }

        await StepWorkAsync();
    }

    /// <summary>As deployed: Lambda runs the step's function with the payload; a killed run is retried once, 60 s later.</summary>
    private async Task RunStepAsync(string function, byte[] payload)
    {
        string step = function.StartsWith("maxgroup-", StringComparison.Ordinal) ? function["maxgroup-".Length..] : function;
        string file = await WriteEventAsync($"payload-{step}-{Guid.NewGuid():N}.json", System.Text.Encoding.UTF8.GetString(payload));
        CrashChild first = await RunChildAsync(step, $"{step} (Invoke)", file);
        if (first.Killed && DateTimeOffset.UtcNow + RetryAfter < _limit)
        {
            await Task.Delay(RetryAfter, _stopped.Token);
            await RunChildAsync(step, $"{step} (Lambda retry at +60 s)", file);
        }
    }

    private async Task StepWorkAsync()
    {
        while (true)
        {
            Task[] pending;
            lock (_stepWork)
            {
                pending = _stepWork.Where(t => !t.IsCompleted).ToArray();
            }

            if (pending.Length == 0)
            {
                return;
            }

            await Task.WhenAll(pending);
        }
    }

    private async Task DeliverAtAsync(DateTimeOffset at, string label, string eventFile)
    {
        await UntilAsync(at);
        await DeliverAsync(label, eventFile);
    }

    private Task<CrashChild> DeliverAsync(string label, string eventFile) => RunChildAsync("dispatcher", label, eventFile);

    private async Task<CrashChild> RunChildAsync(string function, string label, string eventFile)
    {
        List<string> arguments = ["invoke", function, "--event", eventFile];
        if (function == "dispatcher" && _mode == CrashMode.Inline)
        {
            arguments.Add("--inline");
        }

        _stopped.Token.ThrowIfCancellationRequested();
        string log = Path.Combine(_directory, $"{Interlocked.Increment(ref _childCount):00}-{Slug(label)}.log");

        CrashChild child = await CrashChild.StartAsync(label, _proxy, _variables, log, [.. arguments]);
        lock (_children)
        {
            _children.Add(child);
        }

        await child.WaitAsync(_limit - DateTimeOffset.UtcNow);
        return child;
    }

    /// <summary>
    /// Ends the case whatever state it is in: no new child starts, the live ones are killed, pending retries end, and
    /// every child is disposed (killed if it still runs). A case never leaves a process behind.
    /// </summary>
    private async Task StopChildrenAsync()
    {
        _proxy.LambdaInvoked = null;
        await _stopped.CancelAsync();
        foreach (CrashChild child in Children())
        {
            child.Kill();
        }

        Task[] work;
        lock (_stepWork)
        {
            work = [.. _stepWork];
        }

        try
        {
            await Task.WhenAll(work);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Cut short by the stop (or already reported by the case): what they did is in the children's logs and the proxy's calls.
        }

        foreach (CrashChild child in Children())
        {
            await child.DisposeAsync();
        }

        _stopped.Dispose();
    }

    private CrashChild[] Children()
    {
        lock (_children)
        {
            return [.. _children];
        }
    }

    /// <summary>Remembers background work (a step run, a timed redelivery), so the case waits for it and the stop ends it.</summary>
    private Task Track(Task work)
    {
        lock (_stepWork)
        {
            _stepWork.Add(work);
        }

        return work;
    }

    private async Task<string> WriteEventAsync(string fileName, string json)
    {
        string path = Path.Combine(_directory, fileName);
        await File.WriteAllTextAsync(path, json);
        return path;
    }

    /// <summary>The repository's sample scheduled event (events/scheduled-event.json), dated now.</summary>
    private static async Task<string> ScheduledEventAsync()
    {
        var sample = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Runtime.RepositoryPaths.Event("scheduled-event.json")))!;
        sample["id"] = $"crash-sweep-{Guid.NewGuid():N}";
        sample["time"] = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        return sample.ToJsonString();
    }

    private async Task UntilAsync(DateTimeOffset at)
    {
        TimeSpan wait = at - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _stopped.Token);
        }
    }

    private static string Slug(string label) => new(label.Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray());
}
