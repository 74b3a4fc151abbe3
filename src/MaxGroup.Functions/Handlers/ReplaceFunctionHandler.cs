using System.Text.Json;
using MaxGroup.Core.Dispatch;
using MaxGroup.Core.Events;
using MaxGroup.Core.Model;
using MaxGroup.Functions.Runtime;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Handlers;

/// <summary>
/// The `replace` function: a remediation request (the dispatcher's Invoke, a resume) runs the step as every remediation
/// function does; a Spot warning straight from EventBridge (the rule's second target) opens the hand-over here and runs
/// the replace step in this process (<see cref="Dispatcher.OpenWarningAsync"/>): no Invoke hop before the successor request.
/// </summary>
public sealed class ReplaceFunctionHandler(RemediationHandler requests, Dispatcher intake, ILogger logger) : IFunctionHandler
{
    private static readonly TimeSpan ResponseMargin = TimeSpan.FromSeconds(1);

    public string Name => HandlerNames.Replace;

    public async Task<string> HandleAsync(string input, ILambdaContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!IsEvent(input))
        {
            return await requests.HandleAsync(input, context, cancellationToken);
        }

        MaxGroupEvent warning;
        try
        {
            warning = EventParser.Parse(input);
        }
        catch (EventParseException ex)
        {
            logger.LogError("Event rejected: {Problem}", ex.Message);
            throw;
        }

        using CancellationTokenSource timeout = LambdaDeadline.CancelBefore(context, ResponseMargin, cancellationToken);
        DispatchResult result = await intake.OpenWarningAsync(warning, timeout.Token);
        return JsonSerializer.Serialize(result, RemediationJsonContext.Default.DispatchResult);
    }

    /// <summary>An EventBridge envelope (it has a detail-type), not a remediation request.</summary>
    public static bool IsEvent(string input)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(input);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("detail-type", out _);
        }
        catch (JsonException)
        {
            // Not JSON at all: the request path reports it.
            return false;
        }
    }
}
