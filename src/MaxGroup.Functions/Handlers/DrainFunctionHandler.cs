using System.Text.Json;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;
using MaxGroup.Functions.Runtime;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Handlers;

/// <summary>
/// The drain function serves two inputs: the dispatcher's remediation request on a warning (cordon and drain), and the
/// <see cref="TerminatedNodeRequest"/> it forwards once the instance is terminated (taint or delete the Node). The
/// latter is told by its "kind"; anything else is a remediation request.
/// </summary>
public sealed class DrainFunctionHandler(RemediationHandler request, ITerminatedNodeRunner terminatedNodes, ILogger logger) : IFunctionHandler
{
    private static readonly TimeSpan ResponseMargin = TimeSpan.FromSeconds(1);

    public string Name => HandlerNames.Drain;

    public async Task<string> HandleAsync(string input, ILambdaContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!IsTerminatedNode(input))
        {
            return await request.HandleAsync(input, context, cancellationToken);
        }

        TerminatedNodeRequest terminated = JsonSerializer.Deserialize(input, RemediationJsonContext.Default.TerminatedNodeRequest)
            ?? throw new InvalidOperationException("terminated-node request is null");
        using CancellationTokenSource timeout = LambdaDeadline.CancelBefore(context, ResponseMargin, cancellationToken);
        StepOutcome outcome = await terminatedNodes.RunAsync(terminated, timeout.Token);
        logger.LogInformation("node of terminated {InstanceId} ({GroupName}): {Status} {Reason}", terminated.InstanceId, terminated.GroupName, outcome.Status, outcome.Reason);
        return JsonSerializer.Serialize(outcome, RemediationJsonContext.Default.StepOutcome);
    }

    /// <summary>A <see cref="TerminatedNodeRequest"/> (its "kind" says so), not a remediation request.</summary>
    public static bool IsTerminatedNode(string input)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(input);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("kind", out JsonElement kind)
                && kind.ValueKind == JsonValueKind.String
                && kind.GetString() == TerminatedNodeRequest.KindName;
        }
        catch (JsonException)
        {
            // Let the remediation path report the malformed input with its own message.
            return false;
        }
    }
}
