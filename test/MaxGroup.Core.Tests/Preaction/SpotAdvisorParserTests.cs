using MaxGroup.Core.Preaction;

namespace MaxGroup.Core.Tests.Preaction;

public sealed class SpotAdvisorParserTests
{
    [Fact]
    public void Parse_AdvisorDocument_ReadsBucketSavingsAndRangeLabels()
    {
        SpotAdvisorData data = AdvisorTestData.Data();

        Assert.Equal(new SpotAdvisorEntry(4, 55), data.Find("us-east-1", "c5.large"));
        Assert.Equal(new SpotAdvisorEntry(0, 60), data.Find("us-east-1", "m5.large"));
        Assert.Equal(">20%", data.Label(4));
        Assert.Equal("10-15%", data.Label(2));
        Assert.Equal("test", data.Origin);
        Assert.False(data.IsFallback);
    }

    [Fact]
    public void Parse_WindowsEntries_AreNotMixedIntoLinux()
    {
        SpotAdvisorData windows = SpotAdvisorParser.Parse(Encoding.UTF8.GetBytes(AdvisorTestData.Json), "test", "Windows");

        Assert.Equal(0, windows.Find("us-east-1", "c5.large")!.InterruptionBucket);
        Assert.Null(windows.Find("us-east-1", "m5.large"));
        Assert.Equal(4, AdvisorTestData.Data().Find("us-east-1", "c5.large")!.InterruptionBucket);
    }

    [Fact]
    public void Find_UnknownRegionOrType_IsNull()
    {
        SpotAdvisorData data = AdvisorTestData.Data();

        Assert.Null(data.Find("eu-north-1", "c5.large"));
        Assert.Null(data.Find("us-east-1", "x9.huge"));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"ranges": []}""")]
    [InlineData("""{"spot_advisor": {"us-east-1": {"Windows": {"c5.large": {"r": 1, "s": 2}}}}}""")]
    public void Parse_NotAdvisorData_ThrowsFormatException(string json)
    {
        Assert.Throws<FormatException>(() => SpotAdvisorParser.Parse(Encoding.UTF8.GetBytes(json), "test"));
    }

    [Fact]
    public void Parse_EntryWithoutRating_IsLeftOut()
    {
        SpotAdvisorData data = SpotAdvisorParser.Parse(
            Encoding.UTF8.GetBytes("""{"spot_advisor": {"us-east-1": {"Linux": {"a.large": {"s": 5}, "b.large": {"r": 1, "s": 2}}}}}"""), "test");

        Assert.Null(data.Find("us-east-1", "a.large"));
        Assert.Equal(1, data.Find("us-east-1", "b.large")!.InterruptionBucket);
        Assert.Equal("1", data.Label(1));
    }
}
