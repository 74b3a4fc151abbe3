using System.Diagnostics.CodeAnalysis;

namespace MaxGroup.Functions.Runtime;

/// <summary>What one run of a handler produced: a JSON response body, or the error to report.</summary>
public sealed record InvocationResult
{
    private InvocationResult(string? body, RuntimeError? error)
    {
        Body = body;
        Error = error;
    }

    public string? Body { get; }
    public RuntimeError? Error { get; }

    [MemberNotNullWhen(true, nameof(Body))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    public static InvocationResult Success(string body) => new(body, null);

    public static InvocationResult Failure(RuntimeError error) => new(null, error);
}
