using System.Text.Json;
using MaxGroup.Aws.Lambda;
using MaxGroup.Core.Ports;
using MaxGroup.Core.Remediation;

namespace MaxGroup.Functions.Dispatch;

/// <summary>Starts a remediation function asynchronously: Lambda Invoke with InvocationType=Event and the JSON request.</summary>
public sealed class LambdaFunctionInvoker : IFunctionInvoker
{
    private readonly LambdaInvokeClient _lambda;
    private readonly RemediationFunctionNames _names;

    public LambdaFunctionInvoker(LambdaInvokeClient lambda, RemediationFunctionNames names)
    {
        _lambda = lambda;
        _names = names;
    }

    public async Task StartAsync(RemediationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(request, RemediationJsonContext.Default.RemediationRequest);
        int status = await _lambda.InvokeEventAsync(_names.For(request.Step), payload, cancellationToken);
        if (status is < 200 or >= 300)
        {
            throw new RemoteApiException("lambda", "InvokeRejected", $"Invoke of {_names.For(request.Step)} answered HTTP {status}", status);
        }
    }
}
