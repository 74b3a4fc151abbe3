using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace MaxGroup.Integration.Tests.Runtime;

/// <summary>
/// The HTTP client against a loopback server that speaks the documented Runtime API: paths, headers, status codes
/// and bodies as Lambda defines them.
/// </summary>
public sealed class RuntimeApiClientTests : IAsyncLifetime
{
    private readonly List<(string Path, string? ErrorType, string ContentType, string Body)> _posts = [];
    private WebApplication? _app;
    private string _runtimeApi = "";

    public async Task InitializeAsync()
    {
        (_app, Uri address) = await LoopbackProxy.StartRoutedAsync(app =>
        {
            app.MapGet("/2018-06-01/runtime/invocation/next", (HttpContext http) =>
            {
                http.Response.Headers["Lambda-Runtime-Aws-Request-Id"] = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";
                http.Response.Headers["Lambda-Runtime-Deadline-Ms"] = "1542409706888";
                http.Response.Headers["Lambda-Runtime-Invoked-Function-Arn"] = "arn:aws:lambda:us-east-2:123456789012:function:maxgroup-dispatcher";
                http.Response.Headers["Lambda-Runtime-Trace-Id"] = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1";
                return Results.Text("{\"detail-type\":\"Scheduled Event\"}", "application/json");
            });
            app.MapPost("/2018-06-01/runtime/invocation/{id}/{kind}", async (HttpContext http, string id, string kind) => await RecordAsync(http, id == "too-big" ? 413 : 202));
            app.MapPost("/2018-06-01/runtime/init/error", async (HttpContext http) => await RecordAsync(http, 202));
        });
        _runtimeApi = address.Authority;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await LoopbackProxy.StopAsync(_app);
        }
    }

    [Fact]
    public async Task GetNextInvocationAsync_DocumentedHeaders_AreRead()
    {
        using var client = RuntimeApiClient.Create(_runtimeApi);

        RuntimeInvocation invocation = await client.GetNextInvocationAsync(CancellationToken.None);

        Assert.Equal("8476a536-e9f4-11e8-9739-2dfe598c3fcd", invocation.RequestId);
        Assert.Equal("1542409706888", invocation.DeadlineMs);
        Assert.Equal("arn:aws:lambda:us-east-2:123456789012:function:maxgroup-dispatcher", invocation.InvokedFunctionArn);
        Assert.StartsWith("Root=1-5bef4de7", invocation.TraceId, StringComparison.Ordinal);
        Assert.Equal("{\"detail-type\":\"Scheduled Event\"}", invocation.Body);
    }

    [Fact]
    public async Task SendResponseAsync_Body_IsPostedToResponsePath()
    {
        using var client = RuntimeApiClient.Create(_runtimeApi);

        await client.SendResponseAsync("req-1", "{\"status\":\"no-op\"}", CancellationToken.None);

        var post = Assert.Single(_posts);
        Assert.Equal("/2018-06-01/runtime/invocation/req-1/response", post.Path);
        Assert.Null(post.ErrorType);
        Assert.Equal("{\"status\":\"no-op\"}", post.Body);
    }

    [Fact]
    public async Task SendErrorAsync_Error_PostsTypeHeaderAndDocumentedBody()
    {
        using var client = RuntimeApiClient.Create(_runtimeApi);

        await client.SendErrorAsync("req-2", new RuntimeError("EventParseException", "detail.instance-id is missing") { StackTrace = ["at A", "at B"] }, CancellationToken.None);

        var post = Assert.Single(_posts);
        Assert.Equal("/2018-06-01/runtime/invocation/req-2/error", post.Path);
        Assert.Equal("EventParseException", post.ErrorType);
        Assert.StartsWith("application/json", post.ContentType, StringComparison.Ordinal);
        using JsonDocument body = JsonDocument.Parse(post.Body);
        Assert.Equal("detail.instance-id is missing", body.RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal("EventParseException", body.RootElement.GetProperty("errorType").GetString());
        Assert.Equal(["at A", "at B"], body.RootElement.GetProperty("stackTrace").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task SendInitErrorAsync_Error_PostsToInitPath()
    {
        using var client = RuntimeApiClient.Create(_runtimeApi);

        await client.SendInitErrorAsync(new RuntimeError("Runtime.UnknownHandler", "_HANDLER: valid handlers: dispatcher"), CancellationToken.None);

        var post = Assert.Single(_posts);
        Assert.Equal("/2018-06-01/runtime/init/error", post.Path);
        Assert.Equal("Runtime.UnknownHandler", post.ErrorType);
    }

    [Fact]
    public async Task SendResponseAsync_RefusedByRuntimeApi_ThrowsWithStatus()
    {
        using var client = RuntimeApiClient.Create(_runtimeApi);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendResponseAsync("too-big", "{}", CancellationToken.None));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, ex.StatusCode);
    }

    private async Task<IResult> RecordAsync(HttpContext http, int status)
    {
        using var reader = new StreamReader(http.Request.Body);
        string body = await reader.ReadToEndAsync();
        lock (_posts)
        {
            _posts.Add((http.Request.Path.Value!, http.Request.Headers["Lambda-Runtime-Function-Error-Type"].FirstOrDefault(), http.Request.ContentType ?? "", body));
        }

        return Results.StatusCode(status);
    }
}
