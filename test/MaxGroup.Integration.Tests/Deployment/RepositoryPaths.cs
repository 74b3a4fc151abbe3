namespace MaxGroup.Integration.Tests.Deployment;

/// <summary>The deployment files inside the repository (the root is found once, by <see cref="Runtime.RepositoryPaths"/>).</summary>
internal static class RepositoryPaths
{
    public static string Root => Runtime.RepositoryPaths.Root;

    public static string Template => Path.Combine(Root, "template.yaml");

    public static string Tool(string name) => Path.Combine(Root, "tools", "sam", name);
}
