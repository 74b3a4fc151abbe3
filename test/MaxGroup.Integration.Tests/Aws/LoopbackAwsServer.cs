using System.Collections.Concurrent;
using MaxGroup.Testing.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MaxGroup.Integration.Tests.Aws;

/// <summary>A request as the loopback server saw it.</summary>
public sealed record RecordedRequest(string Method, string Path, string RawTarget, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);

    /// <summary>The form-encoded body as name → value (Query protocol).</summary>
    public IReadOnlyDictionary<string, string> Form =>
        BodyText.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : "");
}

/// <summary>The answer the loopback server gives to one request.</summary>
public sealed record LoopbackAnswer(int StatusCode, string Body, string ContentType = "text/xml", IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// A loopback server standing in for an AWS endpoint. It records every request and answers each with what the test's
/// handler returns; tests use it where moto lacks an operation or to script failures.
/// </summary>
public sealed class LoopbackAwsServer : LoopbackServer
{
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private LoopbackAwsServer()
    {
    }

    /// <summary>http://127.0.0.1:PORT/ to give clients as their endpoint.</summary>
    public Uri Endpoint => Address;

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public static async Task<LoopbackAwsServer> StartAsync(Func<RecordedRequest, int, LoopbackAnswer> handler)
    {
        var server = new LoopbackAwsServer();
        await server.StartAsync(async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            // RawTarget keeps the path as sent (escapes intact); Request.Path is decoded.
            string rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "";
            var recorded = new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? "", rawTarget, headers, buffer.ToArray());
            server._requests.Enqueue(recorded);
            LoopbackAnswer answer = handler(recorded, server._requests.Count);
            context.Response.StatusCode = answer.StatusCode;
            context.Response.ContentType = answer.ContentType;
            foreach (KeyValuePair<string, string> header in answer.Headers ?? new Dictionary<string, string>())
            {
                context.Response.Headers[header.Key] = header.Value;
            }

            await context.Response.WriteAsync(answer.Body);
        });
        return server;
    }
}
