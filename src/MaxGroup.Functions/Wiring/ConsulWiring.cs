using MaxGroup.Aws.Ssm;
using MaxGroup.Consul;
using MaxGroup.Core.Steps;
using MaxGroup.Core.Steps.Consul;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Wiring;

/// <summary>The Consul step (deregister the instance's services, the agent leaves), as the consul function, the dispatcher in-process and preaction run it.</summary>
public static class ConsulWiring
{
    public static IRemediationStep CreateStep(FunctionServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new ConsulDeregistrationStep(
            new ConsulApiClient(ConsulApiClient.CreateHttpClient(), services.Time),
            new SsmSecureParameterReader(services.Aws.Ssm),
            services.Time,
            services.Loggers.CreateLogger<ConsulDeregistrationStep>());
    }
}
