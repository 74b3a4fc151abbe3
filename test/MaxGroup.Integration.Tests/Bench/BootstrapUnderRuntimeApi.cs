using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace MaxGroup.Integration.Tests.Bench;

/// <summary>
/// One Lambda execution environment of the published Native AOT bootstrap: a Runtime API stand-in on loopback (next
/// invocation, response, error) and the bootstrap process polling it, which serves one invocation at a time as Lambda's
/// does. Reads the process's peak resident set (VmHWM) and CPU time from /proc while it runs.
/// </summary>
internal sealed class BootstrapUnderRuntimeApi : IAsyncDisposable
{
    private readonly Channel<(string RequestId, string Payload)> _events = Channel.CreateUnbounded<(string, string)>();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<(string Kind, string Body)>> _answers = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<string> _initError = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly WebApplication _api;
    private readonly Process _process;
    private readonly Task<string> _stderr;

    private BootstrapUnderRuntimeApi(WebApplication api, Process process)
    {
        _api = api;
        _process = process;
        _stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
    }

    /// <summary>Starts the Runtime API, then the bootstrap with <paramref name="environment"/> (plus _HANDLER and the API's address).</summary>
    public static async Task<BootstrapUnderRuntimeApi> StartAsync(string bootstrapPath, string handler, IReadOnlyDictionary<string, string> environment)
    {
        BootstrapUnderRuntimeApi? self = null;
        (WebApplication app, Uri address) = await LoopbackProxy.StartRoutedAsync(app =>
        {
            app.MapGet("/2018-06-01/runtime/invocation/next", (HttpContext context) => self!.NextAsync(context));
            app.MapPost("/2018-06-01/runtime/invocation/{id}/{kind}", (string id, string kind, HttpContext context) => self!.AnswerAsync(id, kind, context));
            app.MapPost("/2018-06-01/runtime/init/error", (HttpContext context) => self!.InitErrorAsync(context));
        });
        var start = new ProcessStartInfo(bootstrapPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach ((string key, string value) in environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["_HANDLER"] = handler;
        start.Environment["AWS_LAMBDA_FUNCTION_NAME"] = "maxgroup-" + handler;
        start.Environment["AWS_LAMBDA_RUNTIME_API"] = $"127.0.0.1:{address.Port}";
        Process process = Process.Start(start) ?? throw new InvalidOperationException($"{bootstrapPath} did not start");
        self = new BootstrapUnderRuntimeApi(app, process);
        return self;
    }

    /// <summary>Hands <paramref name="payload"/> to the function and waits for its answer ("response" or "error", and the body).</summary>
    public async Task<(string Kind, string Body)> InvokeAsync(string payload, TimeSpan timeout)
    {
        string requestId = Guid.NewGuid().ToString();
        var answer = new TaskCompletionSource<(string, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _answers[requestId] = answer;
        await _events.Writer.WriteAsync((requestId, payload));
        Task finished = await Task.WhenAny(answer.Task, _initError.Task, Task.Delay(timeout));
        if (finished == _initError.Task)
        {
            return ("init-error", await _initError.Task);
        }

        if (finished != answer.Task)
        {
            throw new TimeoutException($"the bootstrap did not answer within {timeout.TotalSeconds:0} s; stderr: {Tail(await StopAsync())}");
        }

        return await answer.Task;
    }

    /// <summary>VmHWM of the bootstrap (its peak resident set so far), in KiB.</summary>
    public long PeakResidentKib() => StatusKib("VmHWM:");

    /// <summary>VmRSS of the bootstrap (its resident set now), in KiB.</summary>
    public long ResidentKib() => StatusKib("VmRSS:");

    /// <summary>User + system CPU time the bootstrap has used so far, in ms (clock ticks of 10 ms).</summary>
    public double CpuMs()
    {
        string stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After the command: state is field 3 of proc(5), utime 14, stime 15 -> indexes 11 and 12 here.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _api.DisposeAsync();
        _process.Dispose();
    }

    private long StatusKib(string key)
    {
        string line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"/proc/{_process.Id}/status has no {key}: the bootstrap exited ({Tail(_stderr.IsCompleted ? _stderr.Result : "")})");
        return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private async Task<string> StopAsync()
    {
        _events.Writer.TryComplete();
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        return await _stderr;
    }

    private static string Tail(string text) => text.Length > 2000 ? text[^2000..] : text;

    private async Task NextAsync(HttpContext context)
    {
        if (!await _events.Reader.WaitToReadAsync(context.RequestAborted) || !_events.Reader.TryRead(out (string RequestId, string Payload) next))
        {
            context.Response.StatusCode = StatusCodes.Status410Gone;
            return;
        }

        context.Response.Headers["Lambda-Runtime-Aws-Request-Id"] = next.RequestId;
        context.Response.Headers["Lambda-Runtime-Deadline-Ms"] = (DateTimeOffset.UtcNow.AddSeconds(150).ToUnixTimeMilliseconds()).ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["Lambda-Runtime-Invoked-Function-Arn"] = "arn:aws:lambda:us-east-1:123456789012:function:maxgroup-bench";
        context.Response.Headers["Lambda-Runtime-Trace-Id"] = "Root=1-00000000-000000000000000000000000;Sampled=0";
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(next.Payload);
    }

    private async Task AnswerAsync(string id, string kind, HttpContext context)
    {
        string body = Encoding.UTF8.GetString(await LoopbackProxy.ReadBodyAsync(context.Request));
        if (_answers.TryRemove(id, out TaskCompletionSource<(string, string)>? answer))
        {
            answer.TrySetResult((kind, body));
        }

        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    private async Task InitErrorAsync(HttpContext context)
    {
        _initError.TrySetResult(Encoding.UTF8.GetString(await LoopbackProxy.ReadBodyAsync(context.Request)));
        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }
}
