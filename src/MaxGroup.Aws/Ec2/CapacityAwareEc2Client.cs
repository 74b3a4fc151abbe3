using Amazon.EC2;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using MaxGroup.Core.Steps.Capacity;

namespace MaxGroup.Aws.Ec2;

/// <summary>
/// The EC2 client with the SDK's own retries, except for capacity errors: EC2 answers InsufficientInstanceCapacity as
/// HTTP 500, which the standard policy retries like any server error (a launch into two dry pools was seen as seven
/// RunInstances). Inside the two minutes a dry pool means "next pool", which Core decides.
/// </summary>
public sealed class CapacityAwareEc2Client(AWSCredentials credentials, AmazonEC2Config config) : AmazonEC2Client(credentials, config)
{
    protected override void CustomizeRuntimePipeline(RuntimePipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        base.CustomizeRuntimePipeline(pipeline);
        pipeline.ReplaceHandler<RetryHandler>(new RetryHandler(new CapacityErrorsNotRetried(Config)));
    }

    /// <summary>The standard retry policy, refusing to retry an EC2 capacity error.</summary>
    private sealed class CapacityErrorsNotRetried(IClientConfig config) : StandardRetryPolicy(config)
    {
        public override bool RetryForException(IExecutionContext executionContext, Exception exception) =>
            !IsCapacityError(exception) && base.RetryForException(executionContext, exception);

        public override Task<bool> RetryForExceptionAsync(IExecutionContext executionContext, Exception exception) =>
            IsCapacityError(exception) ? Task.FromResult(false) : base.RetryForExceptionAsync(executionContext, exception);

        private static bool IsCapacityError(Exception exception) =>
            exception is AmazonServiceException { ErrorCode: { } code } && CapacityErrors.IsCapacityError(code);
    }
}
