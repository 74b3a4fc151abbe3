using MaxGroup.Functions.Runtime;
using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Observability;

/// <summary>Settings of the Powertools-format logger: service name, minimum level, clock and sink.</summary>
public sealed record PowertoolsLoggerOptions(string Service, LogLevel MinimumLevel, TimeProvider Time, LogSink Sink)
{
    public const string ServiceVariable = "POWERTOOLS_SERVICE_NAME";
    public const string DefaultService = "maxgroup";

    /// <summary>Reads POWERTOOLS_SERVICE_NAME and the log-level variables, as in Lambda.</summary>
    public static PowertoolsLoggerOptions FromEnvironment(IEnvironmentVariables environment, TimeProvider time, LogSink sink)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return new PowertoolsLoggerOptions(
            environment.Get(ServiceVariable) ?? DefaultService,
            LogLevels.Resolve(environment.Get(LogLevels.LambdaVariable), environment.Get(LogLevels.PowertoolsVariable)),
            time,
            sink);
    }
}
