using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Integration.Tests.Infrastructure;

/// <summary>
/// What the test proxies (<see cref="AwsFaultProxy"/>, Reliability.HttpFaultProxy, Dispatch.SerializingDynamoDbProxy)
/// share: a Kestrel server on a loopback port, and forwarding one request to the peer and its answer back unchanged
/// (bar hop-by-hop headers). The Host header is kept, because SigV4 signs it.
/// </summary>
internal static class LoopbackProxy
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "Host", "Content-Length",
    };

    /// <summary>Starts <paramref name="handler"/> on 127.0.0.1 and a free port, HTTPS with <paramref name="certificate"/> when given.</summary>
    public static async Task<(WebApplication App, Uri Address)> StartAsync(RequestDelegate handler, X509Certificate2? certificate = null)
    {
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
        app.Run(handler);
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

    public static async Task StopAsync(WebApplication app)
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>
/// The fault proxies' dice: scripted faults first (the next N matching calls), else one seeded draw against a
/// <see cref="FaultPlan"/>'s probabilities. The same seed replays the same faults.
/// </summary>
internal sealed class FaultDice
{
    private readonly Random _random;
    private readonly object _randomLock = new();
    private readonly Func<string, string, bool> _matches;
    private readonly List<(string Key, string Fault, int Times)> _scripted = [];

    /// <param name="seed">Seed of the draws.</param>
    /// <param name="matches">Whether a call (first argument) is one a script entry (second argument) names.</param>
    public FaultDice(int seed, Func<string, string, bool> matches)
    {
        _random = new Random(seed);
        _matches = matches;
    }

    public void Script(string key, string fault, int times)
    {
        lock (_scripted)
        {
            _scripted.Add((key, fault, times));
        }
    }

    /// <summary>The scripted fault for <paramref name="call"/>, used up by one; null when none is scripted.</summary>
    public string? TakeScripted(string call)
    {
        lock (_scripted)
        {
            int index = _scripted.FindIndex(s => _matches(call, s.Key));
            if (index < 0)
            {
                return null;
            }

            (string key, string fault, int times) = _scripted[index];
            if (times <= 1)
            {
                _scripted.RemoveAt(index);
            }
            else
            {
                _scripted[index] = (key, fault, times - 1);
            }

            return fault;
        }
    }

    /// <summary>throttle, 5xx, drop-before, drop-after, latency or none, with the plan's probabilities.</summary>
    public string Draw(FaultPlan plan)
    {
        double roll = NextDouble();
        double edge = 0;
        foreach ((double p, string name) in new[] { (plan.Throttle, "throttle"), (plan.ServerError, "5xx"), (plan.DropBefore, "drop-before"), (plan.DropAfter, "drop-after"), (plan.Latency, "latency") })
        {
            edge += p;
            if (roll < edge)
            {
                return name;
            }
        }

        return "none";
    }

    public double NextDouble()
    {
        lock (_randomLock)
        {
            return _random.NextDouble();
        }
    }
}
