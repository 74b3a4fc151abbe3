using System.CommandLine;
using MaxGroup.Functions.Composition;
using MaxGroup.Functions.Handlers;
using MaxGroup.Functions.Observability;
using MaxGroup.Functions.Runtime;

namespace MaxGroup.Cli.Commands;

/// <summary>
/// `maxgroup invoke FUNCTION --event FILE [--inline] [--dry-run]`: runs the function's handler in-process through
/// the same catalog and <see cref="FunctionInvocation"/> the Lambda bootstrap uses, against whatever AWS_ENDPOINT_URL
/// names. Prints the response on stdout; logs go to stderr as Powertools JSON lines.
/// </summary>
public static class InvokeCommand
{
    /// <summary>The deadline a local invocation gets: Lambda's maximum timeout.</summary>
    public static readonly TimeSpan LocalTimeout = LambdaDeadline.MaxFunctionTimeout;

    public static Command Create()
    {
        var function = new Argument<string>("function")
        {
            Description = $"the function to run: {string.Join(", ", HandlerNames.All)}",
        };
        var eventFile = new Option<FileInfo>("--event", "-e")
        {
            Description = "the event JSON file (see events/)",
            Required = true,
        };
        var inline = new Option<bool>("--inline")
        {
            Description = "dispatcher: run the remediation functions in-process and return when they are done",
        };
        var dryRun = new Option<bool>("--dry-run")
        {
            Description = "compute and log the plan, change nothing",
        };

        var command = new Command("invoke", "run one function's handler locally, exactly as Lambda runs it");
        command.Arguments.Add(function);
        command.Options.Add(eventFile);
        command.Options.Add(inline);
        command.Options.Add(dryRun);
        command.SetAction((parsed, cancellationToken) => RunAsync(
            parsed.GetRequiredValue(function),
            parsed.GetRequiredValue(eventFile),
            new InvocationOptions { Inline = parsed.GetValue(inline), DryRun = parsed.GetValue(dryRun) },
            parsed.InvocationConfiguration.Output,
            parsed.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    public static async Task<int> RunAsync(string function, FileInfo eventFile, InvocationOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(eventFile);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        string input;
        try
        {
            input = await File.ReadAllTextAsync(eventFile.FullName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync(CliErrors.Format($"cannot read event file {eventFile.FullName}: {ex.Message}")).ConfigureAwait(false);
            return CliErrors.UsageExitCode;
        }

        IEnvironmentVariables environment = SystemEnvironmentVariables.Instance;
        TimeProvider time = TimeProvider.System;
        var logOptions = PowertoolsLoggerOptions.FromEnvironment(environment, time, LogSink.StandardError);
        using var loggerFactory = new PowertoolsLoggerFactory(logOptions);
        var catalog = HandlerCatalog.CreateDefault();
        var services = new HandlerServices(catalog, environment, time, loggerFactory, new EmfMetrics(LogSink.StandardError, time, logOptions.Service), options);

        IFunctionHandler handler;
        try
        {
            handler = catalog.Create(function, services);
        }
        catch (UnknownHandlerException ex)
        {
            await error.WriteLineAsync(CliErrors.Format(ex.Message)).ConfigureAwait(false);
            return CliErrors.UsageExitCode;
        }

        LambdaContext context = LocalContext(function, environment, time);
        using (loggerFactory.CreateLogger("MaxGroup.Cli").BeginScope(new InvocationLogScope(context)))
        {
            InvocationResult result = await FunctionInvocation.RunAsync(handler, input, context, time, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                await error.WriteLineAsync(CliErrors.Format(result.Error.ErrorMessage)).ConfigureAwait(false);
                return CliErrors.FailureExitCode;
            }

            await output.WriteLineAsync(result.Body).ConfigureAwait(false);
            return 0;
        }
    }

    /// <summary>The context a local invocation gets: a fresh request id, Lambda's maximum timeout, a cold start.</summary>
    private static LambdaContext LocalContext(string function, IEnvironmentVariables environment, TimeProvider time)
    {
        string region = environment.Get("AWS_REGION") ?? environment.Get("AWS_DEFAULT_REGION") ?? "us-east-1";
        string functionName = $"maxgroup-{function}";
        var invocation = new RuntimeInvocation($"local-{Guid.NewGuid():N}", "")
        {
            InvokedFunctionArn = $"arn:aws:lambda:{region}:000000000000:function:{functionName}",
        };
        var info = new LambdaFunctionInfo(functionName, "$LATEST", 0, "", "");
        return new LambdaContext(invocation, info, time.GetUtcNow() + LocalTimeout, isColdStart: true, time);
    }
}
