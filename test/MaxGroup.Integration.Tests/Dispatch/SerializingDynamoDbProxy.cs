using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Integration.Tests.Dispatch;

/// <summary>
/// A loopback proxy in front of moto that forwards every request and lets ONE DynamoDB request (X-Amz-Target
/// DynamoDB_*) reach moto at a time. Real DynamoDB makes each request atomic (a conditional write is checked and applied
/// as one step; a cancelled transaction changes nothing); moto 5.2.1 does neither under concurrent requests: it checks
/// conditions without a lock, and a cancelled TransactWriteItems restores a copy of the whole table taken when it began,
/// wiping writes other requests made meanwhile (see docs/benchmarks.md section 4 and MotoAtomicityTests). Serialising
/// DynamoDB requests restores the per-request atomicity DynamoDB guarantees; the ledger's concurrency is still exercised,
/// because its requests interleave exactly as they would against DynamoDB. Other services pass through concurrently.
/// </summary>
public sealed class SerializingDynamoDbProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "Host", "Content-Length",
    };

    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly string _upstreamBase;
    private readonly SemaphoreSlim _dynamoDb = new(1, 1);
    private int _serialised;

    private SerializingDynamoDbProxy(WebApplication app, string upstream)
    {
        _app = app;
        _upstreamBase = upstream.TrimEnd('/');
        _upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, MaxConnectionsPerServer = 64 })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    /// <summary>http://127.0.0.1:PORT to give clients as their endpoint.</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>DynamoDB requests forwarded one at a time so far.</summary>
    public int SerialisedRequests => Volatile.Read(ref _serialised);

    public static async Task<SerializingDynamoDbProxy> StartAsync(string upstream)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        WebApplication app = builder.Build();
        var proxy = new SerializingDynamoDbProxy(app, upstream);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        proxy.Endpoint = address.Replace("localhost", "127.0.0.1", StringComparison.Ordinal);
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
        _dynamoDb.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        byte[] body;
        using (var buffer = new MemoryStream())
        {
            await context.Request.Body.CopyToAsync(buffer);
            body = buffer.ToArray();
        }

        using var upstreamRequest = new HttpRequestMessage(new HttpMethod(context.Request.Method), _upstreamBase + context.Request.Path + context.Request.QueryString);
        upstreamRequest.Content = new ByteArrayContent(body);
        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> header in context.Request.Headers)
        {
            if (HopByHop.Contains(header.Key))
            {
                continue;
            }

            if (!upstreamRequest.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray()))
            {
                upstreamRequest.Content.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
            }
        }

        upstreamRequest.Headers.Host = context.Request.Host.Value;
        bool dynamoDb = context.Request.Headers["X-Amz-Target"].ToString().StartsWith("DynamoDB_", StringComparison.Ordinal);
        HttpResponseMessage response;
        byte[] responseBody;
        if (dynamoDb)
        {
            await _dynamoDb.WaitAsync(context.RequestAborted);
            try
            {
                Interlocked.Increment(ref _serialised);
                response = await _upstream.SendAsync(upstreamRequest, context.RequestAborted);
                responseBody = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
            }
            finally
            {
                _dynamoDb.Release();
            }
        }
        else
        {
            response = await _upstream.SendAsync(upstreamRequest, context.RequestAborted);
            responseBody = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
        }

        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (KeyValuePair<string, IEnumerable<string>> header in response.Headers.Concat(response.Content.Headers))
            {
                if (!HopByHop.Contains(header.Key))
                {
                    context.Response.Headers[header.Key] = header.Value.ToArray();
                }
            }

            if (response.StatusCode is not (System.Net.HttpStatusCode.NotModified or System.Net.HttpStatusCode.NoContent))
            {
                await context.Response.Body.WriteAsync(responseBody);
            }
        }
    }
}
