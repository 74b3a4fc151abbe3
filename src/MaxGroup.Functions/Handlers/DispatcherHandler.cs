using System.Text.Json;
using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Events;
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
        MaxGroupEvent maxGroupEvent;
        try
        {
            maxGroupEvent = EventParser.Parse(input);
        }
        catch (EventParseException ex)
        {
            // A malformed event never gets better on retry: fail the invocation so it shows in errors and the DLQ.
            logger.LogError("Event rejected: {Problem}", ex.Message);
            throw;
        }

        using CancellationTokenSource timeout = LambdaDeadline.CancelBefore(context, ResponseMargin, cancellationToken);
        DispatchResult result = await dispatcher.DispatchAsync(maxGroupEvent, timeout.Token);
        return JsonSerializer.Serialize(result, RemediationJsonContext.Default.DispatchResult);
    }
}
