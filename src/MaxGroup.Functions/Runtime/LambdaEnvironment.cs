namespace MaxGroup.Functions.Runtime;

/// <summary>Names of the variables Lambda sets for a custom runtime (documented "Defined runtime environment variables").</summary>
public static class LambdaEnvironment
{
    public const string Handler = "_HANDLER";
    public const string RuntimeApi = "AWS_LAMBDA_RUNTIME_API";
    public const string TraceId = "_X_AMZN_TRACE_ID";
    public const string FunctionName = "AWS_LAMBDA_FUNCTION_NAME";
    public const string FunctionVersion = "AWS_LAMBDA_FUNCTION_VERSION";
    public const string FunctionMemorySize = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE";
    public const string LogGroupName = "AWS_LAMBDA_LOG_GROUP_NAME";
    public const string LogStreamName = "AWS_LAMBDA_LOG_STREAM_NAME";
    public const string Region = "AWS_REGION";
}
