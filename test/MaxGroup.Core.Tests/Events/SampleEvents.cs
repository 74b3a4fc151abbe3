namespace MaxGroup.Core.Tests.Events;

/// <summary>The repository's events/ folder, found by walking up from the test binaries to MaxGroup.sln.</summary>
internal static class SampleEvents
{
    public static string Directory { get; } = Path.Combine(FindRepositoryRoot(), "events");

    public static string Read(string relativePath) => File.ReadAllText(Path.Combine(Directory, relativePath));

    public static IEnumerable<string> ValidFiles() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.json", SearchOption.TopDirectoryOnly).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    private static string FindRepositoryRoot()
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
