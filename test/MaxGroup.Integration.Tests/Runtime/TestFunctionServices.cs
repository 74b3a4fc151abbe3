using Microsoft.Extensions.Logging;

namespace MaxGroup.Integration.Tests.Runtime;

/// <summary>The services of an execution environment with nothing behind them: for wiring the real catalog without touching AWS.</summary>
internal static class TestFunctionServices
{
    public static FunctionServices Create(InvocationOptions? options = null)
    {
        var time = new FakeTimeProvider();
        var logs = new PowertoolsLoggerFactory(new PowertoolsLoggerOptions("maxgroup", LogLevel.Information, time, new LogSink(Stream.Null)));
        // Lambda always sets AWS_REGION; the real handlers build their (lazy, credential-free) clients for it.
        return new FunctionServices(new FakeEnvironment(("AWS_REGION", "us-east-1")), time, logs, NullMetrics.Instance, options ?? InvocationOptions.Lambda);
    }
}
