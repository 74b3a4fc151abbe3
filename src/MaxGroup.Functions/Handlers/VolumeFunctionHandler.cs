using System.Text.Json;
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
        if (!IsEvent(input))
        {
            return await request.HandleAsync(input, context, cancellationToken);
        }

        MaxGroupEvent maxGroupEvent = EventParser.Parse(input);
        using CancellationTokenSource timeout = LambdaDeadline.CancelBefore(context, ResponseMargin, cancellationToken);
        DispatchResult result = maxGroupEvent switch
        {
            MaxGroupEvent.InstanceStateChange e => await triggers.OnInstanceStateChangeAsync(e, timeout.Token),
            MaxGroupEvent.AutoScalingLaunch e => await triggers.OnInstanceLaunchAsync(e, timeout.Token),
            MaxGroupEvent.Scheduled e => await triggers.SweepAsync(e, timeout.Token),
            _ => DispatchResult.NoOp(maxGroupEvent, $"the volume function does not handle \"{maxGroupEvent.DetailType}\""),
        };
        logger.LogInformation("volume trigger {DetailType} {EventId}: {Status} {Reason}", maxGroupEvent.DetailType, maxGroupEvent.Id, result.Status, result.Reason);
        return JsonSerializer.Serialize(result, RemediationJsonContext.Default.DispatchResult);
    }

    /// <summary>An EventBridge event (the dispatcher forwards state changes, launches and the sweep), not a remediation request.</summary>
    public static bool IsEvent(string input)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(input);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("detail-type", out _);
        }
        catch (JsonException)
        {
            // Let the remediation path report the malformed input with its own message.
            return false;
        }
    }
}
