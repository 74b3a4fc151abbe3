using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MaxGroup.Integration.Tests.Infrastructure;

/// <summary>
/// Starts `moto_server` on a free loopback port once for the test run (or uses the endpoint named by
/// MAXGROUP_TEST_AWS_ENDPOINT) and stops it at the end. A missing moto fails loudly: these tests never skip silently.
/// </summary>
public sealed class MotoFixture : IAsyncLifetime
{
    public const string EndpointVariable = "MAXGROUP_TEST_AWS_ENDPOINT";
    public const string Region = "us-east-1";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private Process? _process;
    private readonly List<string> _output = [];

    /// <summary>http://127.0.0.1:PORT of the running emulator.</summary>
    public string Endpoint { get; private set; } = "";

    public async Task InitializeAsync()
    {
        string? external = Environment.GetEnvironmentVariable(EndpointVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            Endpoint = external.TrimEnd('/');
        }
        else
        {
            int port = FreePort();
            var start = new ProcessStartInfo("moto_server", ["-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            try
            {
                _process = Process.Start(start) ?? throw new InvalidOperationException("moto_server did not start");
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                throw new InvalidOperationException(
                    "moto_server was not found on PATH. Install it with `pip install 'moto[server]==5.2.1'`, " +
                    $"or point {EndpointVariable} at a running emulator.", ex);
            }

            _process.OutputDataReceived += (_, e) => Capture(e.Data);
            _process.ErrorDataReceived += (_, e) => Capture(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            Endpoint = $"http://127.0.0.1:{port}";
        }

        await WaitUntilReadyAsync();
        // Lambda Invoke is accepted without Docker only in this mode.
        using var content = new StringContent("{\"lambda\":{\"use_docker\":false}}", System.Text.Encoding.UTF8, "application/json");
        (await Http.PostAsync($"{Endpoint}/moto-api/config", content)).EnsureSuccessStatusCode();
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "testing");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "testing");
        Environment.SetEnvironmentVariable("AWS_REGION", Region);
    }

    /// <summary>Clears all emulator state (about 0.1 s).</summary>
    public async Task ResetAsync()
    {
        (await Http.PostAsync($"{Endpoint}/moto-api/reset", null)).EnsureSuccessStatusCode();
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process?.Dispose();
        return Task.CompletedTask;
    }

    private async Task WaitUntilReadyAsync()
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process is { HasExited: true })
            {
                throw new InvalidOperationException($"moto_server exited with code {_process.ExitCode}: {string.Join('\n', _output)}");
            }

            try
            {
                using HttpResponseMessage response = await Http.GetAsync($"{Endpoint}/moto-api/data.json");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"moto at {Endpoint} did not answer within 60 s: {string.Join('\n', _output)}");
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

/// <summary>Every test class that talks to moto joins this collection: one emulator, tests run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class MotoCollection : ICollectionFixture<MotoFixture>
{
    public const string Name = "moto";
}
