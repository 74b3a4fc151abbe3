using MaxGroup.Core.Events;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Functions.Runtime;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Handlers;

/// <summary>
/// The volume function serves two inputs: the dispatcher's remediation request on a warning (prepare the move), and
/// the EventBridge events the dispatcher forwards (state change, launch, sweep) that complete moves in progress.
/// An input with a "detail-type" is an event; anything else is a remediation request.
/// </summary>
public sealed class VolumeFunctionHandler(RemediationHandler request, IVolumeTriggers triggers, ILogger logger) : IFunctionHandler
{
    private static readonly TimeSpan ResponseMargin = TimeSpan.FromMilliseconds(500);

    public string Name => HandlerNames.Volume;

    public async Task<string> HandleAsync(string input, ILambdaContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Malformed input, an event or not, is reported by the path it takes (the parse's or the request's message).
        if (EventParser.ParseIfEvent(input) is not { } maxGroupEvent)
        {
            return await request.HandleAsync(input, context, cancellationToken);
        }

        return await EventInvocation.AnswerAsync(maxGroupEvent, TriggerAsync, context, ResponseMargin, cancellationToken);
    }

    private async Task<DispatchResult> TriggerAsync(MaxGroupEvent maxGroupEvent, CancellationToken cancellationToken)
    {
        DispatchResult result = maxGroupEvent switch
        {
            MaxGroupEvent.InstanceStateChange e => await triggers.OnInstanceStateChangeAsync(e, cancellationToken),
            MaxGroupEvent.AutoScalingLaunch e => await triggers.OnInstanceLaunchAsync(e, cancellationToken),
            MaxGroupEvent.Scheduled e => await triggers.SweepAsync(e, cancellationToken),
            _ => DispatchResult.NoOp(maxGroupEvent, $"the volume function does not handle \"{maxGroupEvent.DetailType}\""),
        };
        logger.LogInformation("volume trigger {DetailType} {EventId}: {Status} {Reason}", maxGroupEvent.DetailType, maxGroupEvent.Id, result.Status, result.Reason);
        return result;
    }
}
