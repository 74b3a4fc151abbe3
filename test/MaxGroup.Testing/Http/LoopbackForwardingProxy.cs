using MaxGroup.Simulators.Aws;
using Microsoft.AspNetCore.Http;

namespace MaxGroup.Testing.Http;

/// <summary>
/// A <see cref="LoopbackServer"/> in front of a peer (moto, the Kubernetes or Consul fake) that forwards a request
/// unchanged and writes the peer's answer back (<see cref="LoopbackProxy"/>); subclasses decide what to record,
/// fake or break on the way. No redirects are followed and no cookies kept, so the client sees the peer as it is.
/// </summary>
public abstract class LoopbackForwardingProxy : LoopbackServer
{
    private readonly HttpClient _upstream;
    private readonly string _upstreamBase;

    /// <param name="upstream">Base URL of the peer.</param>
    /// <param name="timeout">How long one forwarded call may take.</param>
    /// <param name="handler">The client handler to reach the peer with; null = a plain one.</param>
    protected LoopbackForwardingProxy(string upstream, TimeSpan timeout, SocketsHttpHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        _upstreamBase = upstream.TrimEnd('/');
        handler ??= new SocketsHttpHandler();
        handler.AllowAutoRedirect = false;
        handler.UseCookies = false;
        _upstream = new HttpClient(handler) { Timeout = timeout };
    }

    /// <summary>scheme://127.0.0.1:PORT to give clients as their endpoint.</summary>
    public string Endpoint => Address.GetLeftPart(UriPartial.Authority);

    /// <summary>Sends the request (with its already-read <paramref name="body"/>) to the peer; the caller disposes the answer.</summary>
    protected async Task<HttpResponseMessage> ForwardAsync(HttpContext context, byte[] body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        using HttpRequestMessage forward = LoopbackProxy.ForwardRequest(context.Request, _upstreamBase, body);
        return await _upstream.SendAsync(forward, cancellationToken);
    }

    protected override ValueTask DisposeCoreAsync()
    {
        _upstream.Dispose();
        return ValueTask.CompletedTask;
    }
}
