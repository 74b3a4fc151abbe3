using MaxGroup.Aws;
using MaxGroup.Aws.LoadBalancing;
using MaxGroup.Core.Steps;
using MaxGroup.Core.Steps.Traffic;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Wiring;

/// <summary>The traffic step (the instance out of its target groups and Classic Load Balancers before the drain evicts), as the traffic function and the dispatcher in-process run it.</summary>
public static class TrafficWiring
{
    public static IRemediationStep CreateStep(FunctionServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new TrafficStep(
            services.Aws.AutoScaling,
            new ElasticLoadBalancingClient(
                services.Aws.CreateSignedClient(AwsService.ElasticLoadBalancingV2),
                services.Aws.CreateSignedClient(AwsService.ElasticLoadBalancing)),
            services.Time,
            services.Loggers.CreateLogger<TrafficStep>());
    }
}
