using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace MaxGroup.Simulators.Aws;

/// <summary>
/// A loopback proxy in front of moto that forwards every request and lets ONE DynamoDB request (X-Amz-Target
/// DynamoDB_*) reach moto at a time. Real DynamoDB makes each request atomic (a conditional write is checked and applied
/// as one step; a cancelled transaction changes nothing); moto 5.2.1 does neither under concurrent requests: it checks
/// conditions without a lock, and a cancelled TransactWriteItems restores a copy of the whole table taken when it began,
/// wiping writes other requests made meanwhile (see docs/benchmarks.md section 4 and the tests' MotoAtomicityTests). Serialising
/// DynamoDB requests restores the per-request atomicity DynamoDB guarantees; the ledger's concurrency is still exercised,
/// because its requests interleave exactly as they would against DynamoDB.
/// `maxgroup demo` puts it in front of the moto it starts, so its checks never fail on the emulator's races.
/// Auto Scaling requests get a lane of their own, one at a time, for the same reason: moto's AttachInstances and
/// DetachInstances read the group's size, work, then write it back, and then reconcile the group to its desired
/// capacity by terminating instances, so two concurrent calls on one group can lose an update and terminate an
/// unrelated member (seen in the 1,000-warning burst); AWS applies each call atomically. Other services pass through
/// concurrently. Where moto lacks an AWS behaviour a caller needs, the <see cref="IEmulatorSemantics"/> given at the start
/// give it (EC2 capacity, ELBv2 draining); CompleteLifecycleAction and RecordLifecycleActionHeartbeat, which moto 5.2.1
/// answers "not implemented", are answered by <see cref="LifecycleActions"/> with AWS's documented semantics.
/// </summary>
public sealed class SerializingDynamoDbProxy : IAsyncDisposable
{
    private readonly HttpClient _upstream;
    private readonly string _upstreamBase;
    private readonly SemaphoreSlim _dynamoDb = new(1, 1);
    private readonly SemaphoreSlim _autoScaling = new(1, 1);
    private readonly IReadOnlyList<IEmulatorSemantics> _semantics;
    private int _serialised;
    private WebApplication? _app;

    private SerializingDynamoDbProxy(string upstream, IReadOnlyList<IEmulatorSemantics> semantics)
    {
        _semantics = semantics;
        _upstreamBase = upstream.TrimEnd('/');
        _upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, MaxConnectionsPerServer = 64 })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    /// <summary>http://127.0.0.1:PORT to give clients as their endpoint.</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>The lifecycle actions of terminate hooks (moto holds none): begun by whoever plays Auto Scaling's part.</summary>
    public LifecycleActionEmulator LifecycleActions { get; } = new();

    /// <summary>DynamoDB requests forwarded one at a time so far.</summary>
    public int SerialisedRequests => Volatile.Read(ref _serialised);

    public static async Task<SerializingDynamoDbProxy> StartAsync(string upstream, params IEmulatorSemantics[] semantics)
    {
        var proxy = new SerializingDynamoDbProxy(upstream, semantics);
        (proxy._app, Uri address) = await LoopbackProxy.StartAsync(proxy.HandleAsync);
        proxy.Endpoint = address.GetLeftPart(UriPartial.Authority);
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await LoopbackProxy.StopAsync(_app);
        }

        _upstream.Dispose();
        _dynamoDb.Dispose();
        _autoScaling.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        byte[] body = await LoopbackProxy.ReadBodyAsync(context.Request);
        EmulatorExchange? exchange = _semantics.Count == 0 ? null : EmulatorExchange.Of(context.Request, body);
        if (exchange is not null && _semantics.Select(s => s.Before(exchange)).FirstOrDefault(a => a is not null) is { } answer)
        {
            context.Response.StatusCode = answer.Status;
            context.Response.ContentType = answer.ContentType;
            await context.Response.Body.WriteAsync(answer.Body);
            return;
        }

        using HttpRequestMessage upstreamRequest = LoopbackProxy.ForwardRequest(context.Request, _upstreamBase, exchange?.Body ?? body);
        SemaphoreSlim? lane = context.Request.Headers["X-Amz-Target"].ToString().StartsWith("DynamoDB_", StringComparison.Ordinal) ? _dynamoDb
            : LoopbackProxy.ServiceOf(context.Request) == "autoscaling" ? _autoScaling
            : null;
        if (lane == _autoScaling && LifecycleActions.TryAnswer(body) is (int status, string xml))
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "text/xml";
            await context.Response.WriteAsync(xml);
            return;
        }

        HttpResponseMessage response;
        byte[] responseBody;
        if (lane is not null)
        {
            await lane.WaitAsync(context.RequestAborted);
            try
            {
                if (lane == _dynamoDb)
                {
                    Interlocked.Increment(ref _serialised);
                }

                response = await _upstream.SendAsync(upstreamRequest, context.RequestAborted);
                responseBody = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
            }
            finally
            {
                lane.Release();
            }
        }
        else
        {
            response = await _upstream.SendAsync(upstreamRequest, context.RequestAborted);
            responseBody = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
        }

        using (response)
        {
            foreach (IEmulatorSemantics semantics in _semantics)
            {
                responseBody = semantics.After(exchange!, (int)response.StatusCode, responseBody);
            }

            await LoopbackProxy.WriteResponseAsync(context, response, responseBody);
        }
    }
}
