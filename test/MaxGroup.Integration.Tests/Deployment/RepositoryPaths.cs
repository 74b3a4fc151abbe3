namespace MaxGroup.Integration.Tests.Deployment;

/// <summary>Locates the repository root (the folder holding template.yaml) from the test's output folder.</summary>
internal static class RepositoryPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    public static string Root => LazyRoot.Value;

    public static string Template => Path.Combine(Root, "template.yaml");

    public static string Tool(string name) => Path.Combine(Root, "tools", "sam", name);

    private static string FindRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "template.yaml")) && Directory.Exists(Path.Combine(directory.FullName, "tools")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No template.yaml above {AppContext.BaseDirectory}");
    }
}
