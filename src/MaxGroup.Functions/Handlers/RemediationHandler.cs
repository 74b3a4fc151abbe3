using System.Text.Json;
using MaxGroup.Core.Model;
using MaxGroup.Core.Runner;
using MaxGroup.Core.Steps;
using MaxGroup.Functions.Runtime;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Handlers;

/// <summary>
/// One remediation function (replace, volume, drain, consul): deserializes the request, runs the step through the
/// <see cref="RemediationRunner"/> (ledger, reclaim deadline) under the Lambda deadline, returns the outcome as JSON.
/// </summary>
public sealed class RemediationHandler(IRemediationStep step, RemediationRunner runner, ILogger logger) : IFunctionHandler
{
    private static readonly TimeSpan ResponseMargin = TimeSpan.FromSeconds(1);

    public string Name => step.Name;

    public async Task<string> HandleAsync(string input, ILambdaContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        RemediationRequest request = Deserialize(input);
        if (request.Step != step.Name)
        {
            throw new InvalidOperationException($"request is for step \"{request.Step}\", this function runs \"{step.Name}\"");
        }

        using CancellationTokenSource lambdaDeadline = LambdaDeadline.CancelBefore(context, ResponseMargin, cancellationToken);
        StepOutcome outcome = await runner.RunAsync(step, request, lambdaDeadline.Token);
        logger.LogInformation("{Step} for {InstanceId}: {Status} {Reason}", step.Name, request.Instance.InstanceId, outcome.Status, outcome.Reason);
        return JsonSerializer.Serialize(outcome, RemediationJsonContext.Default.StepOutcome);
    }

    /// <summary>Parses a request; a malformed one fails the invocation with the reason.</summary>
    public static RemediationRequest Deserialize(string input)
    {
        try
        {
            return JsonSerializer.Deserialize(input, RemediationJsonContext.Default.RemediationRequest)
                ?? throw new InvalidOperationException("remediation request is null");
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"remediation request is not valid: {ex.Message}", ex);
        }
    }
}
