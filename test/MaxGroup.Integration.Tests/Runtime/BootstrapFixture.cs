using System.Diagnostics;

namespace MaxGroup.Integration.Tests.Runtime;

/// <summary>
/// The Native AOT bootstrap, published once per test run into artifacts/test-bootstrap (reused while newer than every
/// source file), or taken from MAXGROUP_TEST_BOOTSTRAP_DIR when .ci/run has already published it.
/// </summary>
public sealed class BootstrapFixture : IAsyncLifetime
{
    public const string DirectoryVariable = "MAXGROUP_TEST_BOOTSTRAP_DIR";

    public string Directory { get; private set; } = "";

    public string BootstrapPath => Path.Combine(Directory, "bootstrap");

    public async Task InitializeAsync()
    {
        string? given = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrWhiteSpace(given))
        {
            Directory = Path.GetFullPath(given);
            if (!File.Exists(BootstrapPath))
            {
                throw new InvalidOperationException($"{DirectoryVariable}={given} holds no bootstrap; publish it with `dotnet publish src/MaxGroup.Functions -c Release -r linux-x64 -o {given}`.");
            }

            return;
        }

        Directory = Path.Combine(RepositoryPaths.Root, "artifacts", "test-bootstrap");
        if (IsFresh())
        {
            return;
        }

        await PublishAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private bool IsFresh()
    {
        if (!File.Exists(BootstrapPath))
        {
            return false;
        }

        DateTime built = File.GetLastWriteTimeUtc(BootstrapPath);
        string src = Path.Combine(RepositoryPaths.Root, "src");
        IEnumerable<string> inputs = System.IO.Directory.EnumerateFiles(src, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal))
            .Concat([Path.Combine(RepositoryPaths.Root, "Directory.Build.props"), Path.Combine(RepositoryPaths.Root, "Directory.Packages.props")]);
        return inputs.All(f => File.GetLastWriteTimeUtc(f) < built);
    }

    private async Task PublishAsync()
    {
        var start = new ProcessStartInfo("dotnet", ["publish", Path.Combine(RepositoryPaths.Root, "src", "MaxGroup.Functions"), "-c", "Release", "-r", "linux-x64", "-o", Directory, "-nologo"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("dotnet publish did not start");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet publish of the bootstrap took more than 15 minutes");
        }

        if (process.ExitCode != 0 || !File.Exists(BootstrapPath))
        {
            string output = await stdout + await stderr;
            throw new InvalidOperationException($"dotnet publish of the bootstrap failed ({process.ExitCode}):\n{output[Math.Max(0, output.Length - 4000)..]}");
        }
    }
}
