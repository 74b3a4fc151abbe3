namespace MaxGroup.Integration.Tests.Reliability;

/// <summary>
/// Concurrent deliveries through the real composition on moto. Lambda runs concurrent invocations in separate
/// execution environments, so each dispatcher here is its own <see cref="LocalFunctionHost"/> (own clients,
/// dispatcher and steps) sharing only the ledger table, as two Lambda instances do. The functions reach moto through
/// <see cref="SerializingDynamoDbProxy"/>: AWS applies each DynamoDB and Auto Scaling call atomically, moto 5.2.1 does
/// not (two concurrent DetachInstances on one group can lose an update, leaving a third launched instance outside the
/// group; seen under load in this very test), and the tests judge MaxGroup, not the emulator's races.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class ConcurrentDispatchTests(MotoFixture moto)
{
    [Fact]
    public async Task SameWarning_TwoDispatchersAtOnce_ExactlyOneStartedOneSuccessor()
    {
        using EventOrderScene scene = await EventOrderScene.CreateAsync(moto);
        await using SerializingDynamoDbProxy serial = await SerializingDynamoDbProxy.StartAsync(moto.Endpoint);
        scene.Cli.Set("AWS_ENDPOINT_URL", serial.Endpoint);
        string doomed = scene.Before.Instances.Select(i => i.InstanceId).Order(StringComparer.Ordinal).First();
        string volumeId = await scene.DataVolumeOfAsync(doomed);
        LocalFunctionHost first = await WarmHostAsync(scene, "a");
        LocalFunctionHost second = await WarmHostAsync(scene, "b");
        string warning = EventOrderScene.WarningJson("cd-warning", doomed, DateTimeOffset.UtcNow.AddSeconds(120));

        string[] statuses = await Task.WhenAll(
            Task.Run(() => EventOrderScene.DispatchAsync(first, warning, "first dispatcher")),
            Task.Run(() => EventOrderScene.DispatchAsync(second, warning, "second dispatcher")));

        Assert.Equal(new[] { "Duplicate", "Started" }, statuses.Order(StringComparer.Ordinal).ToArray());
        await scene.ReclaimAsync(doomed);
        await EventOrderScene.DispatchAsync(second, EventOrderScene.StateChangeJson("cd-state", doomed, "terminated"), "state change");
        await EventOrderScene.DispatchAsync(first, EventOrderScene.SweepJson("cd-sweep"), "sweep");
        List<string> violations = await scene.EndViolationsAsync(doomed, volumeId);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
        Assert.Single(await scene.NewLiveInstancesAsync());
        Assert.Equal(scene.Before.DesiredCapacity, await scene.DesiredCapacityAsync());
    }

    [Fact]
    public async Task TwoWarningsOfOneGroup_AtOnce_EachVolumeOnItsOwnSuccessor()
    {
        using EventOrderScene scene = await EventOrderScene.CreateAsync(moto, desired: 3);
        await using SerializingDynamoDbProxy serial = await SerializingDynamoDbProxy.StartAsync(moto.Endpoint);
        scene.Cli.Set("AWS_ENDPOINT_URL", serial.Endpoint);
        string[] doomed = scene.Before.Instances.Select(i => i.InstanceId).Order(StringComparer.Ordinal).Take(2).ToArray();
        string[] volumes = [await scene.DataVolumeOfAsync(doomed[0]), await scene.DataVolumeOfAsync(doomed[1])];
        LocalFunctionHost first = await WarmHostAsync(scene, "a");
        LocalFunctionHost second = await WarmHostAsync(scene, "b");
        DateTimeOffset reclaimAt = DateTimeOffset.UtcNow.AddSeconds(120);

        string[] statuses = await Task.WhenAll(
            Task.Run(() => EventOrderScene.DispatchAsync(first, EventOrderScene.WarningJson("cd-warning-0", doomed[0], reclaimAt), "warning 0")),
            Task.Run(() => EventOrderScene.DispatchAsync(second, EventOrderScene.WarningJson("cd-warning-1", doomed[1], reclaimAt), "warning 1")));

        Assert.Equal(new[] { "Started", "Started" }, statuses);
        await scene.ReclaimAsync(doomed[0]);
        await scene.ReclaimAsync(doomed[1]);
        await Task.WhenAll(
            Task.Run(() => EventOrderScene.DispatchAsync(first, EventOrderScene.StateChangeJson("cd-state-0", doomed[0], "terminated"), "state change 0")),
            Task.Run(() => EventOrderScene.DispatchAsync(second, EventOrderScene.StateChangeJson("cd-state-1", doomed[1], "terminated"), "state change 1")));
        await EventOrderScene.DispatchAsync(first, EventOrderScene.SweepJson("cd-sweep"), "sweep");

        var violations = new List<string>();
        violations.AddRange(await scene.EndViolationsAsync(doomed[0], volumes[0]));
        violations.AddRange(await scene.EndViolationsAsync(doomed[1], volumes[1]));
        string? successor0 = (await scene.RecordAsync(doomed[0]))?.SuccessorInstanceId;
        string? successor1 = (await scene.RecordAsync(doomed[1]))?.SuccessorInstanceId;
        if (successor0 is not null && successor0 == successor1)
        {
            violations.Add($"both interruptions recorded the same successor {successor0}");
        }

        List<string> created = await scene.NewLiveInstancesAsync();
        if (created.Count != 2)
        {
            violations.Add($"{created.Count} new instances for two interruptions: {string.Join(", ", created)}");
        }

        Assert.True(violations.Count == 0, string.Join("\n", violations));
        Assert.Equal(scene.Before.DesiredCapacity, await scene.DesiredCapacityAsync());
    }

    /// <summary>A warm execution environment: the first invocation (a sweep with nothing to do) built its clients.</summary>
    private static async Task<LocalFunctionHost> WarmHostAsync(EventOrderScene scene, string name)
    {
        LocalFunctionHost host = scene.NewHost();
        await EventOrderScene.DispatchAsync(host, EventOrderScene.SweepJson($"cd-warm-{name}"), $"warm-up {name}");
        return host;
    }
}
