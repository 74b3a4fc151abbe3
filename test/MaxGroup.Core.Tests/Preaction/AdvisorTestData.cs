using MaxGroup.Core.Preaction;

namespace MaxGroup.Core.Tests.Preaction;

/// <summary>A small advisor document in the published shape (us-east-1, Linux and Windows).</summary>
internal static class AdvisorTestData
{
    public const string Json = """
        {
          "ranges": [
            { "index": 0, "label": "<5%", "dots": 0, "max": 5 },
            { "index": 1, "label": "5-10%", "dots": 1, "max": 11 },
            { "index": 2, "label": "10-15%", "dots": 2, "max": 16 },
            { "index": 3, "label": "15-20%", "dots": 3, "max": 22 },
            { "index": 4, "label": ">20%", "dots": 4, "max": 100 }
          ],
          "spot_advisor": {
            "us-east-1": {
              "Linux": {
                "c5.large": { "s": 55, "r": 4 },
                "t3.large": { "s": 68, "r": 4 },
                "m6i.large": { "s": 56, "r": 2 },
                "c6i.large": { "s": 60, "r": 2 },
                "m5.large": { "s": 60, "r": 0 },
                "m5a.large": { "s": 58, "r": 0 }
              },
              "Windows": { "c5.large": { "s": 40, "r": 0 } }
            }
          }
        }
        """;

    public static SpotAdvisorData Data() => SpotAdvisorParser.Parse(Encoding.UTF8.GetBytes(Json), "test");
}
