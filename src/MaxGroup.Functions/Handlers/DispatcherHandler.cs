using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Model;
using MaxGroup.Functions.Runtime;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Handlers;

/// <summary>The `dispatcher` function: parses the EventBridge event, dispatches it, returns the result as JSON.</summary>
public sealed class DispatcherHandler(Dispatcher dispatcher, ILogger logger) : IFunctionHandler
{
    /// <summary>Kept free before Lambda's own deadline so the result is still written.</summary>
    private static readonly TimeSpan ResponseMargin = TimeSpan.FromMilliseconds(500);

    public string Name => HandlerNames.Dispatcher;

    public async Task<string> HandleAsync(string input, ILambdaContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        MaxGroupEvent maxGroupEvent = EventInvocation.Parse(input, logger);
        return await EventInvocation.AnswerAsync(maxGroupEvent, dispatcher.DispatchAsync, context, ResponseMargin, cancellationToken);
    }
}
