using System.Globalization;
using MaxGroup.Core.Model;

namespace MaxGroup.Core.Steps.Consul;

/// <summary>The state of one run of the Consul step.</summary>
internal sealed class ConsulRun(RemediationRequest request, Uri agent, Uri? server, string? parameter)
{
    public RemediationRequest Request { get; } = request;
    public Uri Agent { get; } = agent;
    public Uri? Server { get; } = server;
    public string? Parameter { get; } = parameter;
    public bool DryRun { get; } = request.DryRun || request.Config.DryRun;
    public string? Token { get; set; }
    public bool TokenRefreshed { get; set; }
    public ConsulAgentSelf? Self { get; set; }
    public bool LeaveDone { get; set; }
    /// <summary>The agent answered a call in this run: a later silence is more likely a blip than its end.</summary>
    public bool AgentAnswered { get; set; }
    public int UnreachableRetries { get; set; }
    public int Attempts { get; set; }
    public List<string> Deregistered { get; } = [];
    public List<string> Notes { get; } = [];
    public Dictionary<string, string> Details { get; } = new(StringComparer.Ordinal);

    public void Record(string serviceId)
    {
        if (!Deregistered.Contains(serviceId, StringComparer.Ordinal))
        {
            Deregistered.Add(serviceId);
        }
    }

    public Dictionary<string, string> FinalDetails()
    {
        var details = new Dictionary<string, string>(Details, StringComparer.Ordinal);
        if (Deregistered.Count > 0)
        {
            details["deregistered_services"] = string.Join(',', Deregistered);
            details["deregistered_count"] = Deregistered.Count.ToString(CultureInfo.InvariantCulture);
        }

        if (LeaveDone)
        {
            details["agent_left"] = "true";
        }

        if (Notes.Count > 0)
        {
            details["notes"] = string.Join("; ", Notes);
        }

        return details;
    }
}
