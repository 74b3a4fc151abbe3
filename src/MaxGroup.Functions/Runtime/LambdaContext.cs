namespace MaxGroup.Functions.Runtime;

/// <summary>The <see cref="ILambdaContext"/> of one invocation; remaining time is read from the injected clock.</summary>
public sealed class LambdaContext : ILambdaContext
{
    private readonly TimeProvider _time;

    public LambdaContext(RuntimeInvocation invocation, LambdaFunctionInfo function, DateTimeOffset deadline, bool isColdStart, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(time);
        AwsRequestId = invocation.RequestId;
        InvokedFunctionArn = invocation.InvokedFunctionArn;
        TraceId = invocation.TraceId;
        FunctionName = function.FunctionName;
        FunctionVersion = function.FunctionVersion;
        MemoryLimitInMB = function.MemoryLimitInMB;
        LogGroupName = function.LogGroupName;
        LogStreamName = function.LogStreamName;
        Deadline = deadline;
        IsColdStart = isColdStart;
        _time = time;
    }

    public string AwsRequestId { get; }
    public string FunctionName { get; }
    public string FunctionVersion { get; }
    public string InvokedFunctionArn { get; }
    public int MemoryLimitInMB { get; }
    public string LogGroupName { get; }
    public string LogStreamName { get; }
    public string TraceId { get; }
    public bool IsColdStart { get; }

    /// <summary>When Lambda stops this invocation.</summary>
    public DateTimeOffset Deadline { get; }

    public TimeSpan RemainingTime
    {
        get
        {
            TimeSpan left = Deadline - _time.GetUtcNow();
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }
}
