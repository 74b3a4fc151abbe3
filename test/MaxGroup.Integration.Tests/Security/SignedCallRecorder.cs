using System.Collections.Concurrent;
using MaxGroup.Testing.Http;
using Microsoft.AspNetCore.Http;

namespace MaxGroup.Integration.Tests.Security;

/// <summary>One request as it passed the recorder: who signed it, what it asked, what the emulator answered.</summary>
/// <param name="AccessKeyId">The access key of the SigV4 credential scope (which function's identity).</param>
/// <param name="Service">The credential scope's service (ec2, autoscaling, dynamodb, lambda, s3...).</param>
/// <param name="Action">Query Action, JSON X-Amz-Target, or REST method and path (<see cref="AwsFaultProxy.ActionOf"/>).</param>
/// <param name="Status">HTTP status of the answer.</param>
/// <param name="Answer">The first 300 characters of an error answer (empty on success).</param>
/// <param name="TransactionItems">For a DynamoDB TransactWriteItems: the kind of each item (Put, Update, Delete, ConditionCheck).</param>
/// <param name="Form">For a Query-protocol request (EC2, Auto Scaling): its parameters, e.g. TagSpecification.1.Tag.1.Key.</param>
internal sealed record SignedCall(
    string AccessKeyId,
    string Service,
    string Action,
    int Status,
    string Answer,
    IReadOnlyList<string>? TransactionItems = null,
    IReadOnlyDictionary<string, string>? Form = null)
{
    /// <summary>The IAM action AWS authorizes each kind of transaction item under (Using IAM with DynamoDB transactions).</summary>
    private static readonly Dictionary<string, string> TransactionItemActions = new(StringComparer.Ordinal)
    {
        ["Put"] = "dynamodb:PutItem",
        ["Update"] = "dynamodb:UpdateItem",
        ["Delete"] = "dynamodb:DeleteItem",
        ["ConditionCheck"] = "dynamodb:ConditionCheckItem",
    };

    /// <summary>Whether the emulator refused the request for want of permission (AccessDenied, UnauthorizedOperation...).</summary>
    public bool Refused => Status is 401 or 403 && (Answer.Contains("AccessDenied", StringComparison.Ordinal) || Answer.Contains("UnauthorizedOperation", StringComparison.Ordinal) || Answer.Contains("not authorized", StringComparison.Ordinal));

    /// <summary>The values of the Query parameters whose names match <paramref name="pattern"/> (a regular expression).</summary>
    public IEnumerable<string> FormValues(string pattern) =>
        (Form ?? new Dictionary<string, string>()).Where(p => System.Text.RegularExpressions.Regex.IsMatch(p.Key, pattern)).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value);

    /// <summary>
    /// The IAM actions AWS authorizes this request under: the API name for the Query and JSON services, except that a
    /// DynamoDB transaction needs the action of each of its items (read from the request), a Lambda Invoke needs
    /// lambda:InvokeFunction, and an S3 GET of a key is s3:GetObject, of a bucket s3:ListBucket.
    /// </summary>
    public IReadOnlyList<string> IamActions => Service switch
    {
        "dynamodb" when Action.EndsWith("TransactWriteItems", StringComparison.Ordinal) =>
            [.. (TransactionItems ?? []).Select(k => TransactionItemActions.GetValueOrDefault(k, $"dynamodb:unknown transaction item {k}")).Distinct()],
        "dynamodb" => [$"dynamodb:{Action[(Action.LastIndexOf('.') + 1)..]}"],
        "lambda" when Action.EndsWith("/invocations", StringComparison.Ordinal) => ["lambda:InvokeFunction"],
        "s3" when Action.StartsWith("GET /", StringComparison.Ordinal) || Action.StartsWith("HEAD /", StringComparison.Ordinal) =>
            [Action.Split('?')[0].Split('/', StringSplitOptions.RemoveEmptyEntries).Length > 2 ? "s3:GetObject" : "s3:ListBucket"],
        _ => [$"{Service}:{Action}"],
    };
}

/// <summary>A Lambda Invoke that the emulator accepted: the function it names and the payload Lambda would hand to it.</summary>
internal sealed record RecordedInvocation(string FunctionName, string Payload);

/// <summary>
/// A loopback proxy in front of the emulator that forwards every request unchanged (SigV4 stays valid: the Host header
/// is kept) and records who signed it and how it was answered, so the IAM drill can show which function's identity made
/// which call. Accepted Lambda Invokes are queued with their payload: the drill then plays Lambda and runs the invoked
/// function's handler with it, under that function's own identity.
/// </summary>
internal sealed class SignedCallRecorder : LoopbackForwardingProxy
{
    private const string InvokePrefix = "/2015-03-31/functions/";

    private readonly ConcurrentQueue<SignedCall> _calls = new();
    private readonly ConcurrentQueue<RecordedInvocation> _invocations = new();

    private SignedCallRecorder(string upstream)
        : base(upstream, TimeSpan.FromSeconds(60))
    {
    }

    public IReadOnlyList<SignedCall> Calls => [.. _calls];

    public static async Task<SignedCallRecorder> StartAsync(string upstream)
    {
        var recorder = new SignedCallRecorder(upstream);
        await recorder.StartAsync(recorder.HandleAsync);
        return recorder;
    }

    /// <summary>The Invokes accepted since the last call, oldest first: what Lambda would now run.</summary>
    public List<RecordedInvocation> TakeInvocations()
    {
        var taken = new List<RecordedInvocation>();
        while (_invocations.TryDequeue(out RecordedInvocation? invocation))
        {
            taken.Add(invocation);
        }

        return taken;
    }

    private async Task HandleAsync(HttpContext context)
    {
        byte[] body = await LoopbackProxy.ReadBodyAsync(context.Request);
        string service = AwsFaultProxy.ServiceOf(context.Request);
        string action = AwsFaultProxy.ActionOf(context.Request, body);
        using HttpResponseMessage response = await ForwardAsync(context, body, context.RequestAborted);
        byte[] answer = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
        int status = (int)response.StatusCode;
        string error = status >= 400 ? Encoding.UTF8.GetString(answer, 0, Math.Min(answer.Length, 300)) : "";
        IReadOnlyList<string>? items = service == "dynamodb" && action.EndsWith("TransactWriteItems", StringComparison.Ordinal) ? TransactionItemKinds(body) : null;
        Dictionary<string, string>? form = context.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true
            ? Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body)).ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal)
            : null;
        _calls.Enqueue(new SignedCall(AccessKeyOf(context.Request), service, action, status, error, items, form));

        string path = context.Request.Path.Value ?? "";
        if (service == "lambda" && status is >= 200 and < 300 && path.StartsWith(InvokePrefix, StringComparison.Ordinal) && path.EndsWith("/invocations", StringComparison.Ordinal))
        {
            string function = Uri.UnescapeDataString(path[InvokePrefix.Length..^"/invocations".Length]);
            _invocations.Enqueue(new RecordedInvocation(function, Encoding.UTF8.GetString(body)));
        }

        await LoopbackProxy.WriteResponseAsync(context, response, answer);
    }

    /// <summary>The kind of each item of a TransactWriteItems request: the one property of each TransactItems entry.</summary>
    private static List<string> TransactionItemKinds(byte[] body)
    {
        using var document = System.Text.Json.JsonDocument.Parse(body);
        return [.. document.RootElement.GetProperty("TransactItems").EnumerateArray().SelectMany(item => item.EnumerateObject().Select(p => p.Name))];
    }

    private static string AccessKeyOf(HttpRequest request)
    {
        string auth = request.Headers.Authorization.ToString();
        int at = auth.IndexOf("Credential=", StringComparison.Ordinal);
        return at < 0 ? "" : auth[(at + "Credential=".Length)..].Split('/')[0];
    }
}
