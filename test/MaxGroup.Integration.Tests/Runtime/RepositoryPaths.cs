namespace MaxGroup.Integration.Tests.Runtime;

/// <summary>Paths inside the repository, found by walking up from the test binaries to MaxGroup.sln.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Event(string relativePath) => Path.Combine(Root, "events", relativePath);

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MaxGroup.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"MaxGroup.sln not found above {AppContext.BaseDirectory}");
    }
}
