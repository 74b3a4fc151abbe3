namespace MaxGroup.Functions.Runtime;

/// <summary>
/// One function's code as the runtime loop sees it: the event body in, the JSON response body out; throwing fails the
/// invocation with an error response. The loop knows handlers only through this delegate and a factory of them.
/// </summary>
public delegate Task<string> LambdaHandler(string input, ILambdaContext context, CancellationToken cancellationToken);
