using MaxGroup.Functions.Handlers;

namespace MaxGroup.Functions.Runtime;

/// <summary>
/// Runs a handler once with a cancellation token that fires shortly before the Lambda deadline, and turns every
/// failure into a <see cref="RuntimeError"/>. The Lambda loop and `maxgroup invoke` both go through here, so the CLI
/// exercises exactly the code path Lambda runs.
/// </summary>
public static class FunctionInvocation
{
    public const string DeadlineErrorType = "Runtime.DeadlineExceeded";

    public static async Task<InvocationResult> RunAsync(IFunctionHandler handler, string input, LambdaContext context, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(time);

        TimeSpan delay = LambdaDeadline.CancellationDelay(context.RemainingTime);
        using var deadline = new CancellationTokenSource(delay, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            string body = await handler.HandleAsync(input, context, linked.Token).ConfigureAwait(false);
            return InvocationResult.Success(body ?? "null");
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return InvocationResult.Failure(new RuntimeError(
                DeadlineErrorType,
                $"{handler.Name} stopped: the Lambda deadline {context.Deadline:O} was about to pass"));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Any failure of one invocation is reported for that invocation; the process keeps serving.
            return InvocationResult.Failure(RuntimeError.FromException(ex));
        }
    }
}
