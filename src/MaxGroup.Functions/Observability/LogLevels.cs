using Microsoft.Extensions.Logging;

namespace MaxGroup.Functions.Observability;

/// <summary>Reads log levels as Powertools (POWERTOOLS_LOG_LEVEL) and Lambda's log controls (AWS_LAMBDA_LOG_LEVEL) spell them.</summary>
public static class LogLevels
{
    public const string PowertoolsVariable = "POWERTOOLS_LOG_LEVEL";
    public const string LambdaVariable = "AWS_LAMBDA_LOG_LEVEL";

    /// <summary>
    /// The minimum level: AWS_LAMBDA_LOG_LEVEL wins over POWERTOOLS_LOG_LEVEL (the precedence Powertools documents,
    /// so the console setting is what applies), else <paramref name="fallback"/>.
    /// </summary>
    public static LogLevel Resolve(string? lambdaLevel, string? powertoolsLevel, LogLevel fallback = LogLevel.Information) =>
        Parse(lambdaLevel) ?? Parse(powertoolsLevel) ?? fallback;

    public static LogLevel? Parse(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "TRACE" => LogLevel.Trace,
        "DEBUG" => LogLevel.Debug,
        "INFO" or "INFORMATION" => LogLevel.Information,
        "WARN" or "WARNING" => LogLevel.Warning,
        "ERROR" => LogLevel.Error,
        "FATAL" or "CRITICAL" => LogLevel.Critical,
        "NONE" => LogLevel.None,
        _ => null,
    };
}
