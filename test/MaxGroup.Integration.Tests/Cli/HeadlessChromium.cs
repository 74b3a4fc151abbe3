using System.Diagnostics;

namespace MaxGroup.Integration.Tests.Cli;

/// <summary>
/// Debian's Chromium started headless on a local file, as the machine allows it: no sandbox (root), no GPU, no
/// background networking (the network is closed), a fresh profile each run.
/// </summary>
public static class HeadlessChromium
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public static string? Find()
    {
        if (File.Exists("/usr/bin/chromium"))
        {
            return "/usr/bin/chromium";
        }

        string path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "chromium"))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Renders <paramref name="page"/> and writes its screenshot to <paramref name="png"/>.</summary>
    public static Task ScreenshotAsync(string page, string png, int width, int height) =>
        RunAsync(page, $"--screenshot={png}", $"--window-size={width},{height}");

    /// <summary>The page's DOM after Chromium parsed it, serialized.</summary>
    public static Task<string> DumpDomAsync(string page) => RunAsync(page, "--dump-dom");

    private static async Task<string> RunAsync(string page, params string[] arguments)
    {
        string chromium = Find() ?? throw new InvalidOperationException("chromium is not installed");
        string profile = Directory.CreateTempSubdirectory("maxgroup-chromium-").FullName;
        var start = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
            "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}", .. arguments, new Uri(page).AbsoluteUri])
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(Timeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium did not finish within {Timeout.TotalSeconds} s: {await error}");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"chromium exited {process.ExitCode}: {await error}");
            }

            return await output;
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }
}
