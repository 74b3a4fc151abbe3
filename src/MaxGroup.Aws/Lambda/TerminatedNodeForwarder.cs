using System.Text.Json;
using MaxGroup.Core.Model;
using MaxGroup.Core.Ports;

namespace MaxGroup.Aws.Lambda;

/// <summary>
/// The dispatcher's <see cref="ITerminatedNodeRunner"/> in Lambda: sends the resolved request to the drain function
/// asynchronously, because only the drain function's role is mapped into the cluster (EKS access entry) and placed in
/// its VPC. The drain function acts and records the outcome on the hand-over's timeline.
/// </summary>
public sealed class TerminatedNodeForwarder(LambdaInvokeClient lambda, string drainFunction) : ITerminatedNodeRunner
{
    private readonly LambdaInvokeClient _lambda = lambda ?? throw new ArgumentNullException(nameof(lambda));

    public static byte[] Serialize(TerminatedNodeRequest request) =>
        JsonSerializer.SerializeToUtf8Bytes(request, RemediationJsonContext.Default.TerminatedNodeRequest);

    public async Task<StepOutcome> RunAsync(TerminatedNodeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await _lambda.InvokeEventAsync(drainFunction, Serialize(request), cancellationToken).ConfigureAwait(false);
        return StepOutcome.Done($"forwarded to the drain function {drainFunction}");
    }
}
