using System.Text.Json;
using MaxGroup.Core.Events;
using MaxGroup.Core.Model;
using MaxGroup.Functions.Runtime;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Handlers;

/// <summary>
/// What a function does with an EventBridge event around its one service call: parse it (a malformed one fails the
/// invocation), run the service under the Lambda deadline, answer its <see cref="DispatchResult"/> as JSON.
/// </summary>
internal static class EventInvocation
{
    /// <summary>The event; a malformed one is logged "Event rejected" and rethrown.</summary>
    public static MaxGroupEvent Parse(string input, ILogger logger) => Rejecting(EventParser.Parse, input, logger);

    /// <summary>
    /// For a function that also takes remediation requests: the event, or null when the input is no event (one parse
    /// either way, see <see cref="EventParser.ParseIfEvent"/>); a malformed event is logged and rethrown as by <see cref="Parse"/>.
    /// </summary>
    public static MaxGroupEvent? ParseIfEvent(string input, ILogger logger) => Rejecting(EventParser.ParseIfEvent, input, logger);

    /// <summary>
    /// Runs <paramref name="service"/> under a token that fires <paramref name="responseMargin"/> before the invocation's
    /// deadline (or with <paramref name="cancellationToken"/>) and serializes its result.
    /// </summary>
    public static async Task<string> AnswerAsync(
        MaxGroupEvent maxGroupEvent,
        Func<MaxGroupEvent, CancellationToken, Task<DispatchResult>> service,
        ILambdaContext context,
        TimeSpan responseMargin,
        CancellationToken cancellationToken)
    {
        using CancellationTokenSource timeout = LambdaDeadline.CancelBefore(context, responseMargin, cancellationToken);
        DispatchResult result = await service(maxGroupEvent, timeout.Token);
        return JsonSerializer.Serialize(result, RemediationJsonContext.Default.DispatchResult);
    }

    private static T Rejecting<T>(Func<string, T> parse, string input, ILogger logger)
    {
        try
        {
            return parse(input);
        }
        catch (EventParseException ex)
        {
            // A malformed event never gets better on retry: fail the invocation so it shows in errors and the DLQ.
            logger.LogError("Event rejected: {Problem}", ex.Message);
            throw;
        }
    }
}
