namespace MaxGroup.Integration.Tests.Security;

/// <summary>
/// A moto of its own for the run-time IAM drill, started with INITIAL_NO_AUTH_ACTION_COUNT=0: every request must be
/// signed with the keys of an IAM user (or an assumed-role session) that exists in it, and is refused unless that
/// identity's policies allow the action. The shared <see cref="Infrastructure.MotoFixture"/> accepts any key, so the
/// drill cannot run there. tools/sam/iam_drill_moto.py opens a window of three unauthenticated requests to create the
/// administrator that builds each scene.
/// </summary>
public sealed class IamMotoFixture : IAsyncLifetime
{
    private MotoServer? _server;

    /// <summary>http://127.0.0.1:PORT of the enforcing emulator.</summary>
    public string Endpoint => _server?.Endpoint ?? throw new InvalidOperationException("the emulator is not started");

    public async Task InitializeAsync() =>
        _server = await MotoServer.StartAsync(CancellationToken.None, new Dictionary<string, string> { ["INITIAL_NO_AUTH_ACTION_COUNT"] = "0" });

    /// <summary>Clears all emulator state, IAM users included (the no-auth count stays used up).</summary>
    public Task ResetAsync() => MotoServer.ResetAsync(Endpoint);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>The IAM drill's tests share the enforcing emulator and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class IamMotoCollection : ICollectionFixture<IamMotoFixture>
{
    public const string Name = "moto-iam";
}
