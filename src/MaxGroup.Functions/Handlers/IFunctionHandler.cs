using MaxGroup.Functions.Runtime;

namespace MaxGroup.Functions.Handlers;

/// <summary>
/// One MaxGroup function. A handler deserializes its input, builds its deadline token, calls one service and
/// logs the outcome. It returns the JSON response body; throwing fails the invocation with an error response.
/// </summary>
public interface IFunctionHandler
{
    /// <summary>The `_HANDLER` value that selects this handler.</summary>
    string Name { get; }

    Task<string> HandleAsync(string input, ILambdaContext context, CancellationToken cancellationToken);
}
