using System.Diagnostics;

namespace MaxGroup.Integration.Tests.Reliability.Crash;

/// <summary>
/// One `dotnet maxgroup.dll invoke FUNCTION --event FILE [--inline]` process of the drill: the built CLI (the copy in
/// the CLI project's output of this configuration, built with the tests), its own listener on the kill proxy as AWS_ENDPOINT_URL,
/// stdout and stderr (MaxGroup's JSON logs) to a file. <see cref="Kill"/> is SIGKILL; disposing always kills a live one.
/// </summary>
public sealed class CrashChild : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly object _logLock = new();
    private bool _started;
    private bool _closed;

    private CrashChild(string label, Process process, StreamWriter log)
    {
        Label = label;
        _process = process;
        _log = log;
    }

    public string Label { get; }

    public DateTimeOffset Started { get; private set; }

    public DateTimeOffset? Ended { get; private set; }

    public int? ExitCode { get; private set; }

    /// <summary>Killed by the drill (the scripted point or the case's time limit).</summary>
    public bool Killed { get; private set; }

    /// <summary>The CLI as its own project built it, in this test assembly's configuration (bin/Debug or bin/Release).</summary>
    public static string CliPath
    {
        get
        {
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string path = Path.Combine(Runtime.RepositoryPaths.Root, "src", "MaxGroup.Cli", "bin", output.Parent!.Name, output.Name, "maxgroup.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"the built CLI is missing: {path} (build test/MaxGroup.Integration.Tests first)", path);
        }
    }

    /// <summary>Starts the child with <paramref name="variables"/> over a cleaned copy of this process's environment.</summary>
    public static async Task<CrashChild> StartAsync(string label, CrashKillProxy proxy, IReadOnlyDictionary<string, string> variables, string logPath, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(logPath)!,
        };
        info.ArgumentList.Add(CliPath);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Nothing of the test process's own AWS or MaxGroup settings leaks into a child: it sees only the drill's.
        foreach (string name in info.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal) || k.StartsWith("MAXGROUP_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        foreach ((string name, string value) in variables)
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new CrashChild(label, process, new StreamWriter(logPath, append: true) { AutoFlush = true });
        info.Environment["AWS_ENDPOINT_URL"] = await proxy.ListenForAsync(child);
        child.WriteLog($"# {label}: dotnet maxgroup.dll {string.Join(' ', arguments)}");
        process.OutputDataReceived += (_, e) => child.WriteLog(e.Data);
        process.ErrorDataReceived += (_, e) => child.WriteLog(e.Data);
        process.Start();
        child._started = true;
        child.Started = DateTimeOffset.UtcNow;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>SIGKILL, as Lambda's sandbox dies: no finally block, no flush, no answer.</summary>
    public void Kill()
    {
        Killed = true;
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>Waits for the exit; past <paramref name="limit"/> the child is killed (and <see cref="Killed"/> says so).</summary>
    public async Task WaitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit > TimeSpan.Zero ? limit : TimeSpan.FromMilliseconds(1));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            WriteLog($"# {Label}: still running after {limit.TotalSeconds:0} s, killed");
            Kill();
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        Ended ??= DateTimeOffset.UtcNow;
        ExitCode = _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (_started && !_process.HasExited)
        {
            Kill();
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
        lock (_logLock)
        {
            _closed = true;
            _log.Dispose();
        }
    }

    private void WriteLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            if (!_closed)
            {
                _log.WriteLine(line);
            }
        }
    }
}
