using MaxGroup.Core.Steps.Volume;

namespace MaxGroup.Core.Tests.Volume;

/// <summary>The doomed instance, its data volume, the fake EC2 and the clock the volume mover's tests share.</summary>
public abstract class VolumeMoverTestBase
{
    private protected const string ZoneA = "us-east-1a";
    private protected const string ZoneB = "us-east-1b";
    private protected static readonly DateTimeOffset Warning = DateTimeOffset.Parse("2026-11-24T08:14:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private protected readonly FakeVolumeApi _ec2 = new();
    private protected readonly FakeTimeProvider _clock = new(Warning.AddSeconds(5));
    private protected readonly RecordingMetrics _metrics = new();

    private protected VolumeMover Mover(ISuccessorLookup? successors = null, IAutoScalingApi? autoScaling = null) =>
        new(_ec2, _clock, NullLogger.Instance, _metrics, autoScaling, successors, new VolumeMoverOptions { MaxWait = TimeSpan.Zero });

    private protected (FakeInstance Doomed, FakeVolume Data) Doomed(string zone = ZoneA)
    {
        FakeInstance doomed = _ec2.AddInstance("i-doomed", zone, launched: Warning.AddHours(-5));
        _ec2.AddVolume(zone, "i-doomed", "/dev/xvda");
        FakeVolume data = _ec2.AddVolume(zone, "i-doomed", "/dev/sdf");
        data.Tags["app"] = "db";
        return (doomed, data);
    }

    private protected RemediationRequest Request(string? successor = null, string action = "terminate", CrossAzPolicy crossAz = CrossAzPolicy.Snapshot, bool dryRun = false) => new()
    {
        Step = StepNames.Volume,
        EventId = "evt-1",
        InstanceAction = action,
        WarningTime = Warning,
        ReclaimAt = Warning.AddSeconds(120),
        Instance = _ec2.Instances["i-doomed"].ToFacts(),
        Config = new GroupConfig { GroupName = "web", PersistenceDev = "/dev/sdf", PersistenceCrossAz = crossAz },
        DryRun = dryRun,
        SuccessorInstanceId = successor,
    };

    /// <summary>Prepares the move of the doomed instance's data volume, then terminates the instance, as the sweep expects to find it.</summary>
    private protected async Task<VolumeMover> PreparedThenTerminatedAsync(RemediationRequest? request = null, VolumeMover? mover = null)
    {
        mover ??= Mover();
        await mover.PrepareAsync(request ?? Request(), CancellationToken.None);
        _ec2.Terminate("i-doomed");
        return mover;
    }

    private protected sealed class FixedSuccessor(string successor) : ISuccessorLookup
    {
        public Task<string?> FindSuccessorAsync(string groupName, string interruptedInstanceId, CancellationToken cancellationToken) =>
            Task.FromResult<string?>(successor);
    }
}
