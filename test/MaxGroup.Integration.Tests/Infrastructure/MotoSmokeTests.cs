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

        // A fresh emulator answers {}; after other tests it lists every service it has served, each model
        // collection empty once reset. Either way nothing may be left.
        using JsonDocument data = JsonDocument.Parse(body);
        string[] leftovers =
        [
            .. data.RootElement.EnumerateObject()
                .SelectMany(service => service.Value.EnumerateObject()
                    .Where(model => model.Value.GetArrayLength() > 0)
                    .Select(model => $"{service.Name}.{model.Name}")),
        ];
        Assert.Empty(leftovers);
    }
}
