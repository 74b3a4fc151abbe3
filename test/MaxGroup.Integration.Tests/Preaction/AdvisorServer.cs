using System.Collections.Concurrent;
using MaxGroup.Testing.Http;
using Microsoft.AspNetCore.Http;

namespace MaxGroup.Integration.Tests.Preaction;

/// <summary>
/// A loopback server standing in for the advisor's S3 object: GET returns what the test's handler says (the trimmed
/// snapshot, a 500, or a slow answer). It counts the requests.
/// </summary>
internal sealed class AdvisorServer : LoopbackServer
{
    private readonly ConcurrentQueue<string> _requests = new();

    private AdvisorServer()
    {
    }

    public Uri Url => new(Address, "/spot-advisor-data.json");

    public int RequestCount => _requests.Count;

    public static async Task<AdvisorServer> StartAsync(Func<int, HttpContext, Task> answer)
    {
        var server = new AdvisorServer();
        await server.StartAsync(async context =>
        {
            server._requests.Enqueue(context.Request.Path.Value ?? "");
            await answer(server._requests.Count, context);
        });
        return server;
    }

    public static async Task ServeAsync(HttpContext context, byte[] body)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(body);
    }
}
