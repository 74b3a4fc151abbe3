namespace MaxGroup.Functions.Runtime;

/// <summary>
/// Runs a handler once with a cancellation token that fires shortly before the Lambda deadline, and turns every
/// failure into a <see cref="RuntimeError"/>. The Lambda loop and `maxgroup invoke` both go through here, so the CLI
/// exercises exactly the code path Lambda runs.
/// </summary>
public static class FunctionInvocation
{
    public const string DeadlineErrorType = "Runtime.DeadlineExceeded";

    /// <param name="name">The handler's name (the `_HANDLER` value), for the deadline error.</param>
    /// <param name="handler">The handler.</param>
    /// <param name="input">The event body.</param>
    /// <param name="context">The invocation's context; its deadline bounds the run.</param>
    /// <param name="time">The clock the deadline is measured on.</param>
    /// <param name="cancellationToken">Shutdown of the process.</param>
    public static async Task<InvocationResult> RunAsync(string name, LambdaHandler handler, string input, LambdaContext context, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(time);

        TimeSpan delay = LambdaDeadline.CancellationDelay(context.RemainingTime);
        using var deadline = new CancellationTokenSource(delay, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            string body = await handler(input, context, linked.Token).ConfigureAwait(false);
            return InvocationResult.Success(body ?? "null");
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return InvocationResult.Failure(new RuntimeError(
                DeadlineErrorType,
                $"{name} stopped: the Lambda deadline {context.Deadline:O} was about to pass"));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Any failure of one invocation is reported for that invocation; the process keeps serving.
            return InvocationResult.Failure(RuntimeError.FromException(ex));
        }
    }
}
