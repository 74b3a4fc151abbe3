using System.Globalization;

namespace MaxGroup.Functions.Runtime;

/// <summary>The facts about the function that do not change between invocations, read once from the environment.</summary>
public sealed record LambdaFunctionInfo(string FunctionName, string FunctionVersion, int MemoryLimitInMB, string LogGroupName, string LogStreamName)
{
    public static LambdaFunctionInfo FromEnvironment(IEnvironmentVariables environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        int memory = int.TryParse(environment.Get(LambdaEnvironment.FunctionMemorySize), NumberStyles.Integer, CultureInfo.InvariantCulture, out int mb) ? mb : 0;
        return new LambdaFunctionInfo(
            environment.Get(LambdaEnvironment.FunctionName) ?? "",
            environment.Get(LambdaEnvironment.FunctionVersion) ?? "$LATEST",
            memory,
            environment.Get(LambdaEnvironment.LogGroupName) ?? "",
            environment.Get(LambdaEnvironment.LogStreamName) ?? "");
    }
}
