using MaxGroup.Functions.Handlers;

namespace MaxGroup.Integration.Tests.Runtime;

/// <summary>
/// In-memory Runtime API: hands out the queued invocations in order, records what the loop reports, and stops the
/// loop (cancels <see cref="Stop"/>) when the queue is empty.
/// </summary>
internal sealed class FakeRuntimeApiClient : IRuntimeApiClient
{
    private readonly Queue<RuntimeInvocation> _pending;

    public FakeRuntimeApiClient(params RuntimeInvocation[] invocations)
    {
        _pending = new Queue<RuntimeInvocation>(invocations);
    }

    public CancellationTokenSource Stop { get; } = new();
    public int NextCalls { get; private set; }
    public List<(string RequestId, string Body)> Responses { get; } = [];
    public List<(string RequestId, RuntimeError Error)> Errors { get; } = [];
    public List<RuntimeError> InitErrors { get; } = [];

    /// <summary>Every report in the order the loop sent it: "response:ID" or "error:ID".</summary>
    public List<string> Reports { get; } = [];

    public Task<RuntimeInvocation> GetNextInvocationAsync(CancellationToken cancellationToken)
    {
        NextCalls++;
        if (_pending.TryDequeue(out RuntimeInvocation? next))
        {
            return Task.FromResult(next);
        }

        Stop.Cancel();
        return Task.FromCanceled<RuntimeInvocation>(Stop.Token);
    }

    public Task SendResponseAsync(string requestId, string body, CancellationToken cancellationToken)
    {
        Responses.Add((requestId, body));
        Reports.Add($"response:{requestId}");
        return Task.CompletedTask;
    }

    public Task SendErrorAsync(string requestId, RuntimeError error, CancellationToken cancellationToken)
    {
        Errors.Add((requestId, error));
        Reports.Add($"error:{requestId}");
        return Task.CompletedTask;
    }

    public Task SendInitErrorAsync(RuntimeError error, CancellationToken cancellationToken)
    {
        InitErrors.Add(error);
        return Task.CompletedTask;
    }
}

/// <summary>Environment variables in a dictionary.</summary>
internal sealed class FakeEnvironment : IEnvironmentVariables
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public FakeEnvironment(params (string Name, string Value)[] values)
    {
        foreach ((string name, string value) in values)
        {
            _values[name] = value;
        }
    }

    public string? Get(string name) => _values.TryGetValue(name, out string? value) && value.Length > 0 ? value : null;

    public void Set(string name, string? value)
    {
        if (value is null)
        {
            _values.Remove(name);
        }
        else
        {
            _values[name] = value;
        }
    }
}

/// <summary>A handler whose behaviour is a delegate; records the contexts it saw.</summary>
internal sealed class DelegateHandler : IFunctionHandler
{
    private readonly Func<string, ILambdaContext, CancellationToken, Task<string>> _handle;

    public DelegateHandler(string name, Func<string, ILambdaContext, CancellationToken, Task<string>> handle)
    {
        Name = name;
        _handle = handle;
    }

    public string Name { get; }
    public List<ILambdaContext> Contexts { get; } = [];

    public Task<string> HandleAsync(string input, ILambdaContext context, CancellationToken cancellationToken)
    {
        Contexts.Add(context);
        return _handle(input, context, cancellationToken);
    }
}
