using System.Runtime.InteropServices;
using MaxGroup.Functions.Observability;
using MaxGroup.Functions.Runtime;
using MaxGroup.Functions.Wiring;
using Microsoft.Extensions.Logging;

// The Lambda `bootstrap` of the provided.al2023 runtime: one binary, `_HANDLER` picks the function.
// Init stays small: the handler's clients are created by its factory, once, when first needed.
IEnvironmentVariables environment = SystemEnvironmentVariables.Instance;
TimeProvider time = TimeProvider.System;

string? runtimeApi = environment.Get(LambdaEnvironment.RuntimeApi);
if (runtimeApi is null)
{
    await Console.Error.WriteLineAsync($"error: {LambdaEnvironment.RuntimeApi} is not set; bootstrap runs inside Lambda or a Runtime API emulator (use `maxgroup invoke` locally)").ConfigureAwait(false);
    return 2;
}

var logOptions = PowertoolsLoggerOptions.FromEnvironment(environment, time, LogSink.StandardOutput);
using var loggerFactory = new PowertoolsLoggerFactory(logOptions);
var metrics = new EmfMetrics(LogSink.StandardOutput, time, logOptions.Service);
using var client = RuntimeApiClient.Create(runtimeApi);
var services = new FunctionServices(environment, time, loggerFactory, metrics, InvocationOptions.Lambda);
var catalog = HandlerCatalog.CreateDefault(services);

using var shutdown = new CancellationTokenSource();
// Lambda sends SIGTERM before it shuts an environment down (when extensions are registered): finish cleanly.
using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
{
    signal.Cancel = true;
    shutdown.Cancel();
});

var bootstrap = new LambdaBootstrap(catalog.CreateLambdaHandler, client, environment, time, loggerFactory.CreateLogger<LambdaBootstrap>());
return await bootstrap.RunAsync(shutdown.Token).ConfigureAwait(false);
