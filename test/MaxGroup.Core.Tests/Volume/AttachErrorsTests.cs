using MaxGroup.Core.Steps.Volume;

namespace MaxGroup.Core.Tests.Volume;

/// <summary>EC2's AttachVolume refusals become a <see cref="SuccessorRejectionKind"/> in one place, on the code first.</summary>
public sealed class AttachErrorsTests
{
    [Theory]
    // Real EC2 and moto: the volume is attached elsewhere.
    [InlineData("VolumeInUse", "vol-0123 is already attached to an instance", SuccessorRejectionKind.VolumeInUse)]
    [InlineData("VolumeInUse", "Volume vol-0123 is currently attached to i-0abc", SuccessorRejectionKind.VolumeInUse)]
    [InlineData("IncorrectState", "vol-0123 is not 'available'.", SuccessorRejectionKind.IncorrectState)]
    [InlineData("IncorrectInstanceState", "The instance 'i-0abc' is not 'running'.", SuccessorRejectionKind.NotRunning)]
    [InlineData("InvalidInstanceID.NotFound", "The instance ID 'i-0abc' does not exist", SuccessorRejectionKind.NotFound)]
    [InlineData("InvalidVolume.ZoneMismatch", "The volume 'vol-0123' is not in the same availability zone as instance 'i-0abc'", SuccessorRejectionKind.OtherZone)]
    // EC2 has no code of its own for a taken device: a bad parameter with this wording.
    [InlineData("InvalidParameterValue", "Invalid value '/dev/xvdz' for unixDevice. Attachment point /dev/xvdz is already in use", SuccessorRejectionKind.DeviceInUse)]
    [InlineData("InvalidParameterValue", "Value (/dev/bogus) for parameter device is invalid. /dev/bogus is not a valid EBS device name.", SuccessorRejectionKind.AttachRefused)]
    // The wording alone, under another code, is not a taken device: the code decides first.
    [InlineData("UnauthorizedOperation", "Attachment point /dev/xvdz is already in use", SuccessorRejectionKind.AttachRefused)]
    [InlineData("Unknown", "boom", SuccessorRejectionKind.AttachRefused)]
    public void Classify_Ec2AttachError_IsTypedByCode(string code, string message, SuccessorRejectionKind expected)
    {
        var error = new RemoteApiException("ec2", code, message, 400);

        Assert.Equal(expected, AttachErrors.Classify(error));
    }

    [Fact]
    public void ToRejection_KeepsEc2CodeAndMessageForPeople()
    {
        var error = new RemoteApiException("ec2", "VolumeInUse", "vol-0123 is already attached to an instance", 400);

        SuccessorRejection rejection = AttachErrors.ToRejection(error, "vol-0123", "i-new", "/dev/xvdz");

        Assert.Equal(SuccessorRejectionKind.VolumeInUse, rejection.Kind);
        Assert.Equal("AttachVolume of vol-0123 to i-new as /dev/xvdz failed: VolumeInUse: ec2: VolumeInUse: vol-0123 is already attached to an instance", rejection.Message);
        Assert.Equal(rejection.Message, rejection.ToString());
    }

    [Fact]
    public void NeedsOperator_OnlyATakenDevice()
    {
        foreach (SuccessorRejectionKind kind in Enum.GetValues<SuccessorRejectionKind>())
        {
            // Whatever the message says: only the kind decides.
            var rejection = new SuccessorRejection(kind, "device /dev/xvdz is already in use");

            Assert.Equal(kind == SuccessorRejectionKind.DeviceInUse, rejection.NeedsOperator);
        }
    }
}
