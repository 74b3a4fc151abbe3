namespace MaxGroup.Functions.Runtime;

/// <summary>
/// What one invocation knows about itself. Same member names as Amazon.Lambda.Core's ILambdaContext
/// (that package is not on this project's feed), so swapping in the official one is mechanical.
/// </summary>
public interface ILambdaContext
{
    string AwsRequestId { get; }
    string FunctionName { get; }
    string FunctionVersion { get; }
    string InvokedFunctionArn { get; }
    int MemoryLimitInMB { get; }
    string LogGroupName { get; }
    string LogStreamName { get; }
    /// <summary>Time left before Lambda stops this invocation.</summary>
    TimeSpan RemainingTime { get; }
    /// <summary>The X-Ray trace header of this invocation, or empty.</summary>
    string TraceId { get; }
    /// <summary>True for the first invocation served by this execution environment.</summary>
    bool IsColdStart { get; }
}
