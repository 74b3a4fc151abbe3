namespace MaxGroup.Integration.Tests.Dispatch;

/// <summary>A Lambda context with plenty of time left.</summary>
internal sealed class TestLambdaContext : ILambdaContext
{
    public string AwsRequestId { get; } = Guid.NewGuid().ToString();
    public string FunctionName => "maxgroup-test";
    public string FunctionVersion => "$LATEST";
    public string InvokedFunctionArn => "arn:aws:lambda:us-east-1:123456789012:function:maxgroup-test";
    public int MemoryLimitInMB => 512;
    public string LogGroupName => "/aws/lambda/maxgroup-test";
    public string LogStreamName => "test";
    public TimeSpan RemainingTime => TimeSpan.FromMinutes(5);
    public string TraceId => "";
    public bool IsColdStart => false;
}
