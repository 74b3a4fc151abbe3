using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Simulators.Aws;

/// <summary>
/// What the loopback proxies in front of an emulator share (the demo's and the tests' <see cref="SerializingDynamoDbProxy"/>,
/// the tests' fault proxies): a Kestrel server on a loopback port, and forwarding one request to the peer and its answer
/// back unchanged (bar hop-by-hop headers). The Host header is kept, because SigV4 signs it.
/// </summary>
public static class LoopbackProxy
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "Host", "Content-Length",
    };

    /// <summary>Starts <paramref name="handler"/> on 127.0.0.1 and a free port, HTTPS with <paramref name="certificate"/> when given.</summary>
    public static Task<(WebApplication App, Uri Address)> StartAsync(RequestDelegate handler, X509Certificate2? certificate = null) =>
        StartRoutedAsync(app => app.Run(handler), certificate);

    /// <summary>As <see cref="StartAsync"/>, for a server whose endpoints <paramref name="map"/> maps (MapGet, MapPost...).</summary>
    public static async Task<(WebApplication App, Uri Address)> StartRoutedAsync(Action<WebApplication> map, X509Certificate2? certificate = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        WebApplication app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return (app, new Uri($"{address.Scheme}://127.0.0.1:{address.Port}"));
    }

    public static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    /// <summary>The request as it came in, addressed to <paramref name="upstreamBase"/>; a body only when it had one.</summary>
    public static HttpRequestMessage ForwardRequest(HttpRequest request, string upstreamBase, byte[] body)
    {
        var forward = new HttpRequestMessage(new HttpMethod(request.Method), upstreamBase + request.Path + request.QueryString);
        if (body.Length > 0 || request.ContentType is not null)
        {
            forward.Content = new ByteArrayContent(body);
        }

        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> header in request.Headers)
        {
            if (HopByHop.Contains(header.Key))
            {
                continue;
            }

            if (!forward.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray()))
            {
                forward.Content ??= new ByteArrayContent([]);
                forward.Content.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
            }
        }

        forward.Headers.Host = request.Host.Value;
        return forward;
    }

    /// <summary>Writes the peer's answer: status, end-to-end headers and body.</summary>
    public static async Task WriteResponseAsync(HttpContext context, HttpResponseMessage response, byte[] body)
    {
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (KeyValuePair<string, IEnumerable<string>> header in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(header.Key))
            {
                context.Response.Headers[header.Key] = header.Value.ToArray();
            }
        }

        // 304 and 204 carry no body; writing one would throw after the headers went out.
        if (response.StatusCode is not (HttpStatusCode.NotModified or HttpStatusCode.NoContent))
        {
            await context.Response.Body.WriteAsync(body);
        }
    }

    /// <summary>The AWS service a signed request is for (its SigV4 credential scope), "moto-api" or "unknown".</summary>
    public static string ServiceOf(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string auth = request.Headers.Authorization.ToString();
        int credential = auth.IndexOf("Credential=", StringComparison.Ordinal);
        if (credential >= 0)
        {
            string[] scope = auth[(credential + "Credential=".Length)..].Split(',')[0].Split('/');
            if (scope.Length >= 5)
            {
                return scope[3];
            }
        }

        return request.Path.StartsWithSegments("/moto-api") ? "moto-api" : "unknown";
    }

    public static async Task StopAsync(WebApplication app)
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
