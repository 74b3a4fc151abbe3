namespace MaxGroup.Integration.Tests.Infrastructure;

/// <summary>
/// The emulator stands in for Auto Scaling where moto does not implement it, so its semantics are AWS's documented ones:
/// a heartbeat extends the action by the heartbeat timeout, never past the global timeout (100 x the heartbeat timeout
/// or 48 hours, the smaller); a completion ends the action; a wrong token is refused.
/// </summary>
public sealed class LifecycleActionEmulatorTests
{
    private const string Token = "87654321-4321-4321-4321-210987654321";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Heartbeat_UntilTheGlobalTimeout_KeepsTheActionThenRefused()
    {
        var emulator = new LifecycleActionEmulator(_time);
        emulator.Begin("web", "maxgroup-drain", "i-1", Token, TimeSpan.FromSeconds(30));

        // 30 s heartbeat timeout: the global timeout is 3,000 s. Heartbeats every 25 s keep it until then, not after.
        for (int beat = 0; beat < 119; beat++)
        {
            _time.Advance(TimeSpan.FromSeconds(25));
            Assert.Equal(200, emulator.Answer("RecordLifecycleActionHeartbeat", Form()).Status);
        }

        _time.Advance(TimeSpan.FromSeconds(25));
        Assert.Equal(200, emulator.Answer("RecordLifecycleActionHeartbeat", Form()).Status);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(emulator.TimedOut("i-1"));
        Assert.Equal(400, emulator.Answer("RecordLifecycleActionHeartbeat", Form()).Status);
    }

    [Fact]
    public async Task Complete_OnceWithTheToken_EndsTheActionSecondRefused()
    {
        var emulator = new LifecycleActionEmulator(_time);
        emulator.Begin("web", "maxgroup-drain", "i-1", Token, TimeSpan.FromSeconds(30));

        (int wrongToken, _) = emulator.Answer("CompleteLifecycleAction", Form(token: "another", result: "CONTINUE"));
        (int first, _) = emulator.Answer("CompleteLifecycleAction", Form(result: "CONTINUE"));
        (int second, string refusal) = emulator.Answer("CompleteLifecycleAction", Form(result: "CONTINUE"));

        Assert.Equal((400, 200, 400), (wrongToken, first, second));
        Assert.Contains("<Code>ValidationError</Code>", refusal, StringComparison.Ordinal);
        Assert.Equal("CONTINUE", await emulator.EndedAsync("i-1", CancellationToken.None));
    }

    private static Dictionary<string, string> Form(string token = Token, string? result = null)
    {
        var form = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AutoScalingGroupName"] = "web",
            ["LifecycleHookName"] = "maxgroup-drain",
            ["InstanceId"] = "i-1",
            ["LifecycleActionToken"] = token,
        };
        if (result is not null)
        {
            form["LifecycleActionResult"] = result;
        }

        return form;
    }
}
