using System.Globalization;
using System.Text;

namespace MaxGroup.Aws.Signing;

/// <summary>Builds a Query-protocol call: form-encoded POST to "/" with Action, Version and the operation's parameters.</summary>
public sealed class QueryRequest
{
    public const string FormContentType = "application/x-www-form-urlencoded; charset=utf-8";

    private readonly List<KeyValuePair<string, string>> _parameters = [];

    public QueryRequest(string action, string version)
    {
        ArgumentException.ThrowIfNullOrEmpty(action);
        ArgumentException.ThrowIfNullOrEmpty(version);
        Action = action;
        Add("Action", action);
        Add("Version", version);
    }

    public string Action { get; }

    /// <summary>See <see cref="AwsRequest.Idempotent"/>; set false for actions a repeat would apply twice.</summary>
    public bool Idempotent { get; init; } = true;

    public IReadOnlyList<KeyValuePair<string, string>> Parameters => _parameters;

    public QueryRequest Add(string name, string value)
    {
        _parameters.Add(new(name, value));
        return this;
    }

    public QueryRequest Add(string name, int value) => Add(name, value.ToString(CultureInfo.InvariantCulture));

    public QueryRequest Add(string name, bool value) => Add(name, value ? "true" : "false");

    /// <summary>Adds nothing for null: optional parameters stay absent rather than empty.</summary>
    public QueryRequest AddIfNotNull(string name, string? value) => value is null ? this : Add(name, value);

    /// <summary>A list member: Name.member.1, Name.member.2, ...</summary>
    public QueryRequest AddList(string name, IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int index = 1;
        foreach (string value in values)
        {
            Add($"{name}.member.{index.ToString(CultureInfo.InvariantCulture)}", value);
            index++;
        }

        return this;
    }

    public AwsRequest ToRequest(DateTimeOffset? deadline = null)
    {
        var body = new StringBuilder();
        foreach (KeyValuePair<string, string> parameter in _parameters)
        {
            if (body.Length > 0)
            {
                body.Append('&');
            }

            body.Append(Uri.EscapeDataString(parameter.Key)).Append('=').Append(Uri.EscapeDataString(parameter.Value));
        }

        return new AwsRequest
        {
            Method = HttpMethod.Post,
            Path = "/",
            ContentType = FormContentType,
            Body = Encoding.UTF8.GetBytes(body.ToString()),
            Operation = Action,
            Deadline = deadline,
            Idempotent = Idempotent,
        };
    }
}
