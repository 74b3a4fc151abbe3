namespace MaxGroup.Functions.Runtime;

/// <summary>
/// The Lambda Runtime API as the loop uses it (shape of Amazon.Lambda.RuntimeSupport's IRuntimeApiClient), so the
/// loop can be driven by an in-memory fake in tests and by the real endpoint in Lambda or an emulator.
/// </summary>
public interface IRuntimeApiClient
{
    /// <summary>Long-polls GET /2018-06-01/runtime/invocation/next until Lambda hands over the next event.</summary>
    Task<RuntimeInvocation> GetNextInvocationAsync(CancellationToken cancellationToken);

    /// <summary>POST /2018-06-01/runtime/invocation/{id}/response.</summary>
    Task SendResponseAsync(string requestId, string body, CancellationToken cancellationToken);

    /// <summary>POST /2018-06-01/runtime/invocation/{id}/error with Lambda-Runtime-Function-Error-Type.</summary>
    Task SendErrorAsync(string requestId, RuntimeError error, CancellationToken cancellationToken);

    /// <summary>POST /2018-06-01/runtime/init/error: the function cannot start (e.g. an unknown handler).</summary>
    Task SendInitErrorAsync(RuntimeError error, CancellationToken cancellationToken);
}
