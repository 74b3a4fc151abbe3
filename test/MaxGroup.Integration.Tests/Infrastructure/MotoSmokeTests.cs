namespace MaxGroup.Integration.Tests.Infrastructure;

[Collection(MotoCollection.Name)]
public sealed class MotoSmokeTests(MotoFixture moto)
{
    [Fact]
    public async Task Fixture_Started_AnswersAndResets()
    {
        await moto.ResetAsync();
        using var http = new HttpClient();
        string body = await http.GetStringAsync($"{moto.Endpoint}/moto-api/data.json");
        Assert.Equal("{}", body.Trim());
    }
}
