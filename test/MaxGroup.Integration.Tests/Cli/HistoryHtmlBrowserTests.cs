using System.Text.RegularExpressions;
using MaxGroup.Cli.Commands;

namespace MaxGroup.Integration.Tests.Cli;

/// <summary>The `history --html` page as a browser shows it: Debian's Chromium, headless, offline.</summary>
public sealed class HistoryHtmlBrowserTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("maxgroup-history-html-");

    public void Dispose() => _folder.Delete(recursive: true);

    [ChromiumFact]
    public async Task HistoryPage_InHeadlessChromium_DrawsOneBarPerStepOnANonBlankPage()
    {
        InterruptionRecord first = HistoryHtmlTests.SampleRecord();
        InterruptionRecord second = HistoryHtmlTests.SampleRecord("i-0aaaaaaaaaaaaaaa1") with
        {
            Steps = [.. first.Steps.Take(2)],
        };
        string page = Path.Combine(_folder.FullName, "history.html");
        await File.WriteAllTextAsync(page, HistoryHtml.Render([first, second], "ledger table maxgroup-ledger"));
        string png = Path.Combine(_folder.FullName, "history.png");

        await HeadlessChromium.ScreenshotAsync(page, png, 1100, 900);
        string dom = await HeadlessChromium.DumpDomAsync(page);

        PngImage image = PngImage.Read(await File.ReadAllBytesAsync(png));
        Assert.Equal((1100, 900), (image.Width, image.Height));
        Assert.True(image.DistinctColours() >= 8, $"the screenshot has {image.DistinctColours()} colour(s): blank");
        Assert.True(image.PixelsUnlikeBackground() > 20_000, $"only {image.PixelsUnlikeBackground()} pixel(s) drawn");
        // The failed replace bar's red (#cf222e) is on screen, not only in the markup.
        Assert.True(HasColour(image, 0xcf222e), "no pixel of the failed bar's colour");

        // Chromium's own DOM: the bars it parsed, one per step of each interruption, and no script it made of the ledger's text.
        List<string> bars = HistoryHtmlTests.BarSteps().Matches(dom).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["drain", "replace", "consul", "volume", "drain", "replace"], bars);
        Assert.Equal(2, HistoryHtmlTests.Count(dom, "<line class=\"deadline\""));
        Assert.DoesNotMatch(new Regex("<script", RegexOptions.IgnoreCase), dom);
    }

    private static bool HasColour(PngImage image, int rgb)
    {
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                if (image.Rgb(x, y) == rgb)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
