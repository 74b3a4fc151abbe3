using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MaxGroup.Cli.Local;

/// <summary>
/// A moto AWS emulator (`moto_server`) on a free loopback port, started for the demo and the tests and stopped with
/// them. A missing moto is a clear error with the install hint.
/// </summary>
public sealed class MotoServer : IAsyncDisposable
{
    public const string InstallHint = "install it with `pip install 'moto[server]==5.2.1'` (it provides `moto_server`), or pass --endpoint to use a running emulator";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private static readonly HttpClient ResetHttp = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly Process _process;
    private readonly List<string> _output = [];

    private MotoServer(Process process, string endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    /// <summary>http://127.0.0.1:PORT.</summary>
    public string Endpoint { get; }

    /// <param name="cancellationToken">Stops waiting for the emulator to answer.</param>
    /// <param name="environment">Extra variables for the emulator process (e.g. INITIAL_NO_AUTH_ACTION_COUNT, which makes moto enforce IAM).</param>
    public static async Task<MotoServer> StartAsync(CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        int port = FreePort();
        var start = new ProcessStartInfo("moto_server", ["-H", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("moto_server did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"moto_server was not found on PATH: {InstallHint}", ex);
        }

        var server = new MotoServer(process, $"http://127.0.0.1:{port}");
        process.OutputDataReceived += (_, e) => server.Capture(e.Data);
        process.ErrorDataReceived += (_, e) => server.Capture(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await WaitUntilReadyAsync(server.Endpoint, () => process.HasExited ? process.ExitCode : null, server.Output, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return server;
    }

    /// <summary>Waits until the emulator at <paramref name="endpoint"/> answers, then lets Lambda Invoke run without Docker.</summary>
    public static async Task WaitUntilReadyAsync(string endpoint, Func<int?> exitCode, Func<string> output, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (exitCode() is int code)
            {
                throw new InvalidOperationException($"moto_server exited with code {code}: {output()}");
            }

            try
            {
                using HttpResponseMessage response = await Http.GetAsync(new Uri($"{endpoint}/moto-api/data.json"), cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (watch.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"the AWS emulator at {endpoint} did not answer within 60 s: {output()}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        using var content = new StringContent("{\"lambda\":{\"use_docker\":false}}", System.Text.Encoding.UTF8, "application/json");
        using HttpResponseMessage configured = await Http.PostAsync(new Uri($"{endpoint}/moto-api/config"), content, cancellationToken).ConfigureAwait(false);
        configured.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Clears all emulator state: about 0.1 s, but more than 10 s after a 1,000-warning burst left gigabytes of state,
    /// so the reset gets a minute of its own rather than the shared client's 10 s.
    /// </summary>
    public static async Task ResetAsync(string endpoint)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{endpoint}/moto-api/reset"));
        using HttpResponseMessage response = await ResetHttp.SendAsync(request, timeout.Token).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private string Output()
    {
        lock (_output)
        {
            return string.Join('\n', _output);
        }
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Count < 200)
            {
                _output.Add(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
