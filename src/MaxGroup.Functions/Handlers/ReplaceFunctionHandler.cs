using MaxGroup.Core.Dispatch;
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
        // The warning's path: the one parse that tells an event (it has a detail-type) from a request also reads the event.
        if (EventInvocation.ParseIfEvent(input, logger) is not { } warning)
        {
            return await requests.HandleAsync(input, context, cancellationToken);
        }

        return await EventInvocation.AnswerAsync(warning, intake.OpenWarningAsync, context, ResponseMargin, cancellationToken);
    }
}
