namespace MaxGroup.Integration.Tests.Cli;

/// <summary>A fact that needs Debian's Chromium (/usr/bin/chromium, or `chromium` on PATH); .ci/run installs it.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (HeadlessChromium.Find() is null)
        {
            Skip = "Chromium is not installed (no /usr/bin/chromium and no chromium on PATH): `apt-get install -y chromium` to run this test; .ci/run installs it.";
        }
    }
}
