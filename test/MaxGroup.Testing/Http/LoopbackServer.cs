using System.Security.Cryptography.X509Certificates;
using MaxGroup.Simulators.Aws;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace MaxGroup.Testing.Http;

/// <summary>
/// A Kestrel server on 127.0.0.1 and a free port that a test's peer stands on (an AWS endpoint, the advisor's S3
/// object, the Runtime API, a proxy in front of an emulator). Subclasses start it once and give clients <see cref="Address"/>.
/// </summary>
public abstract class LoopbackServer : IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>scheme://127.0.0.1:PORT, once started.</summary>
    public Uri Address { get; private set; } = new("http://127.0.0.1/");

    public int Port => Address.Port;

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await LoopbackProxy.StopAsync(_app);
        }

        await DisposeCoreAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Answers every request with <paramref name="handler"/>; HTTPS with <paramref name="certificate"/> when given.</summary>
    protected async Task StartAsync(RequestDelegate handler, X509Certificate2? certificate = null) =>
        (_app, Address) = await LoopbackProxy.StartAsync(handler, certificate);

    /// <summary>Answers the endpoints <paramref name="map"/> maps.</summary>
    protected async Task StartRoutedAsync(Action<WebApplication> map) =>
        (_app, Address) = await LoopbackProxy.StartRoutedAsync(map);

    /// <summary>Releases what a subclass holds, after the server stopped.</summary>
    protected virtual ValueTask DisposeCoreAsync() => ValueTask.CompletedTask;
}
