namespace MaxGroup.Integration.Tests.Infrastructure;

/// <summary>
/// Starts `moto_server` on a free loopback port once for the test run (or uses the endpoint named by
/// MAXGROUP_TEST_AWS_ENDPOINT) and stops it at the end. A missing moto fails loudly: these tests never skip silently.
/// The emulator is the demo's own <see cref="MotoServer"/>.
/// </summary>
public sealed class MotoFixture : IAsyncLifetime
{
    public const string EndpointVariable = "MAXGROUP_TEST_AWS_ENDPOINT";
    public const string Region = "us-east-1";

    private MotoServer? _server;

    /// <summary>http://127.0.0.1:PORT of the running emulator.</summary>
    public string Endpoint { get; private set; } = "";

    public async Task InitializeAsync()
    {
        string? external = Environment.GetEnvironmentVariable(EndpointVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            Endpoint = external.TrimEnd('/');
            await MotoServer.WaitUntilReadyAsync(Endpoint, () => null, () => "", CancellationToken.None);
        }
        else
        {
            _server = await MotoServer.StartAsync(CancellationToken.None);
            Endpoint = _server.Endpoint;
        }

        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "testing");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "testing");
        Environment.SetEnvironmentVariable("AWS_REGION", Region);
    }

    /// <summary>Clears all emulator state (about 0.1 s).</summary>
    public Task ResetAsync() => MotoServer.ResetAsync(Endpoint);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>Every test class that talks to moto joins this collection: one emulator, tests run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class MotoCollection : ICollectionFixture<MotoFixture>
{
    public const string Name = "moto";
}
