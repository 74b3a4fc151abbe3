namespace MaxGroup.Functions.Runtime;

/// <summary>One event handed over by GET .../invocation/next: its body and the Lambda-Runtime-* headers.</summary>
public sealed record RuntimeInvocation(string RequestId, string Body)
{
    /// <summary>Raw Lambda-Runtime-Deadline-Ms; see <see cref="LambdaDeadline"/> for how it is read.</summary>
    public string? DeadlineMs { get; init; }

    /// <summary>Lambda-Runtime-Invoked-Function-Arn.</summary>
    public string InvokedFunctionArn { get; init; } = "";

    /// <summary>Lambda-Runtime-Trace-Id (the X-Ray trace header), or empty.</summary>
    public string TraceId { get; init; } = "";

    /// <summary>Lambda-Runtime-Client-Context, when the caller sent one.</summary>
    public string? ClientContext { get; init; }

    /// <summary>Lambda-Runtime-Cognito-Identity, when the caller sent one.</summary>
    public string? CognitoIdentity { get; init; }
}
