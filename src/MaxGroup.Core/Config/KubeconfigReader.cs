using System.Text;
using System.Text.RegularExpressions;

namespace MaxGroup.Core.Config;

/// <summary>
/// Finds the EKS cluster a kubeconfig is for, so a tag-generation group whose drain was turned on by
/// `k8s_config_file_path` (a file on the max_group host) can be drained from Lambda: upload that kubeconfig to the
/// config bucket as <c>&lt;prefix&gt;&lt;group&gt;.kubeconfig</c>. Only the cluster's name is taken (from the cluster ARN
/// `aws eks update-kubeconfig` writes, or the `--cluster-name` argument of its token command); endpoint and CA then
/// come from EKS DescribeCluster and the token from the function's role, as for k8s_cluster_name. Nothing of the file
/// is logged: a kubeconfig may hold a token.
/// </summary>
public static partial class KubeconfigReader
{
    /// <summary>What follows the group name in the object's key.</summary>
    public const string KeySuffix = ".kubeconfig";

    /// <summary>The cluster name, or null with <paramref name="problem"/> saying why none could be taken.</summary>
    public static string? ClusterName(ReadOnlyMemory<byte> content, string path, out ConfigProblem? problem)
    {
        problem = null;
        string text = Encoding.UTF8.GetString(content.Span);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Match match in ClusterArnRegex().Matches(text))
        {
            names.Add(match.Groups[1].Value);
        }

        foreach (Match match in ClusterNameArgumentRegex().Matches(text))
        {
            names.Add(match.Groups[1].Value);
        }

        if (names.Count == 1)
        {
            return names.Min;
        }

        problem = names.Count == 0
            ? new ConfigProblem(path, "names no EKS cluster (no cluster ARN, no --cluster-name)",
                "upload the file `aws eks update-kubeconfig --name <cluster>` writes, or set k8s_cluster_name", ConfigSeverity.Warning)
            : new ConfigProblem(path, $"names {names.Count} EKS clusters ({string.Join(", ", names)}), so the group's cluster is unclear",
                "set k8s_cluster_name, or upload a kubeconfig of the group's cluster only (`kubectl config view --minify --raw`)", ConfigSeverity.Warning);
        return null;
    }

    [GeneratedRegex(@"arn:aws[a-z-]*:eks:[a-z0-9-]+:[0-9]{12}:cluster/([0-9A-Za-z][A-Za-z0-9_-]{0,99})(?![A-Za-z0-9_-])", RegexOptions.CultureInvariant)]
    private static partial Regex ClusterArnRegex();

    [GeneratedRegex(@"--cluster-name[\s""',=]+([0-9A-Za-z][A-Za-z0-9_-]{0,99})(?![A-Za-z0-9_-])", RegexOptions.CultureInvariant)]
    private static partial Regex ClusterNameArgumentRegex();
}
