using MaxGroup.Core.Model;

namespace MaxGroup.Core.Ports;

/// <summary>Starts a remediation function: asynchronously through Lambda Invoke (InvocationType=Event) or in-process.</summary>
public interface IFunctionInvoker
{
    Task StartAsync(RemediationRequest request, CancellationToken cancellationToken);
}
