using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Integration.Tests.Preaction;

/// <summary>
/// A Kestrel server on 127.0.0.1, port 0, standing in for the advisor's S3 object: GET returns what the test's
/// handler says (the trimmed snapshot, a 500, or a slow answer). It counts the requests.
/// </summary>
internal sealed class AdvisorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _requests = new();

    private AdvisorServer(WebApplication app)
    {
        _app = app;
    }

    public Uri Url { get; private set; } = new("http://127.0.0.1/");

    public int RequestCount => _requests.Count;

    public static async Task<AdvisorServer> StartAsync(Func<int, HttpContext, Task> answer)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        var server = new AdvisorServer(app);
        app.Run(async context =>
        {
            server._requests.Enqueue(context.Request.Path.Value ?? "");
            await answer(server._requests.Count, context);
        });
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address.TrimEnd('/') + "/spot-advisor-data.json");
        return server;
    }

    public static async Task ServeAsync(HttpContext context, byte[] body)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(body);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
