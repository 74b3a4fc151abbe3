namespace MaxGroup.Integration.Tests.Kubernetes;

/// <summary>A fact that runs only when MAXGROUP_TEST_KUBECONFIG names a kubeconfig file of a real cluster.</summary>
public sealed class KubeconfigFactAttribute : FactAttribute
{
    public const string Variable = "MAXGROUP_TEST_KUBECONFIG";

    public KubeconfigFactAttribute()
    {
        string? path = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(path))
        {
            Skip = $"Real-cluster tier off: set {Variable}=/path/to/kubeconfig (read-only access to nodes and pods is enough) to run it.";
        }
        else if (!File.Exists(path))
        {
            Skip = $"{Variable} names {path}, which does not exist.";
        }
    }

    public static string Path => Environment.GetEnvironmentVariable(Variable) ?? "";
}
