using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Runtime;

/// <summary>
/// The custom-runtime loop: ask the handler factory for the handler named by `_HANDLER` (or report an init error), then
/// get the next invocation, run it, report its response or error, and repeat. One invocation's failure never ends the
/// loop. The loop knows no handler: the factory (handler name → <see cref="LambdaHandler"/>, as in
/// Amazon.Lambda.RuntimeSupport) is the whole contract.
/// </summary>
/// <param name="handlerFactory">Builds the handler of a `_HANDLER` name (null when unset); throws <see cref="UnknownHandlerException"/> for a name it does not serve.</param>
/// <param name="client">The Runtime API.</param>
/// <param name="environment">The process environment (`_HANDLER`, the function's facts, the trace id).</param>
/// <param name="time">The clock deadlines are measured on.</param>
/// <param name="logger">The loop's own log.</param>
public sealed class LambdaBootstrap(Func<string?, LambdaHandler> handlerFactory, IRuntimeApiClient client, IEnvironmentVariables environment, TimeProvider time, ILogger<LambdaBootstrap> logger)
{
    public const string UnknownHandlerErrorType = "Runtime.UnknownHandler";
    public const string HandlerInitErrorType = "Runtime.HandlerInitFailed";

    private readonly Func<string?, LambdaHandler> _handlerFactory = handlerFactory ?? throw new ArgumentNullException(nameof(handlerFactory));
    private readonly IRuntimeApiClient _client = client ?? throw new ArgumentNullException(nameof(client));
    private readonly IEnvironmentVariables _environment = environment ?? throw new ArgumentNullException(nameof(environment));
    private readonly TimeProvider _time = time ?? throw new ArgumentNullException(nameof(time));
    private readonly ILogger _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    private readonly LambdaFunctionInfo _function = LambdaFunctionInfo.FromEnvironment(environment);
    private string _handlerName = "";
    private bool _coldStart = true;

    /// <summary>Serves invocations until <paramref name="cancellationToken"/> fires. Returns the process exit code.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        LambdaHandler? handler = await InitializeAsync(cancellationToken).ConfigureAwait(false);
        if (handler is null)
        {
            return 1;
        }

        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await InvokeOnceAsync(handler, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown (SIGTERM) while waiting for the next invocation.
        }
        catch (HttpRequestException ex)
        {
            // The Runtime API went away (the environment is being shut down, or an emulator stopped): nothing
            // more can be served, so end with one clear line rather than an unhandled-exception dump.
            _logger.LogCritical("Runtime API stopped answering: {Reason}", ex.Message);
            return 1;
        }

        return 0;
    }

    /// <summary>Builds the handler named by `_HANDLER`; on failure reports POST init/error and returns null.</summary>
    public async Task<LambdaHandler?> InitializeAsync(CancellationToken cancellationToken)
    {
        string? name = _environment.Get(LambdaEnvironment.Handler);
        RuntimeError error;
        try
        {
            LambdaHandler handler = _handlerFactory(name);
            _handlerName = name ?? "";
            return handler;
        }
        catch (UnknownHandlerException ex)
        {
            error = new RuntimeError(UnknownHandlerErrorType, $"{LambdaEnvironment.Handler}: {ex.Message}");
        }
        catch (Exception ex)
        {
            error = RuntimeError.FromException(ex) with { ErrorType = HandlerInitErrorType, ErrorMessage = $"handler \"{name}\" could not be built: {ex.Message}" };
        }

        _logger.LogCritical("Init failed: {ErrorType}: {ErrorMessage}", error.ErrorType, error.ErrorMessage);
        await _client.SendInitErrorAsync(error, cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>Waits for one invocation, runs it and reports the outcome.</summary>
    public async Task InvokeOnceAsync(LambdaHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        RuntimeInvocation invocation = await _client.GetNextInvocationAsync(cancellationToken).ConfigureAwait(false);
        long started = _time.GetTimestamp();
        DateTimeOffset deadline = LambdaDeadline.Resolve(invocation.DeadlineMs, _time);
        // Set (or clear) per invocation so SDKs never propagate the previous invocation's trace.
        _environment.Set(LambdaEnvironment.TraceId, string.IsNullOrEmpty(invocation.TraceId) ? null : invocation.TraceId);
        var context = new LambdaContext(invocation, _function, deadline, _coldStart, _time);
        _coldStart = false;

        using IDisposable? scope = _logger.BeginScope(new InvocationLogScope(context));
        InvocationResult result = await FunctionInvocation.RunAsync(_handlerName, handler, invocation.Body, context, _time, cancellationToken).ConfigureAwait(false);
        double elapsedMs = _time.GetElapsedTime(started).TotalMilliseconds;
        try
        {
            if (result.Succeeded)
            {
                await _client.SendResponseAsync(invocation.RequestId, result.Body, cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("Invocation succeeded in {DurationMs:F1} ms", elapsedMs);
            }
            else
            {
                _logger.LogError("Invocation failed in {DurationMs:F1} ms: {ErrorType}: {ErrorMessage}", elapsedMs, result.Error.ErrorType, result.Error.ErrorMessage);
                await _client.SendErrorAsync(invocation.RequestId, result.Error, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (HttpRequestException ex)
        {
            // The Runtime API refused the report (e.g. 413 for an oversized response); Lambda records the invocation
            // as failed on its side. Keep serving.
            _logger.LogError("Could not report the outcome of invocation: {Reason}", ex.Message);
        }
    }
}
