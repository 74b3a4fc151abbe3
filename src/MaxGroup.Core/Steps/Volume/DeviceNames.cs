namespace MaxGroup.Core.Steps.Volume;

/// <summary>Compares block-device names the way EC2 maps them: /dev/sdf and /dev/xvdf name the same device.</summary>
public static class DeviceNames
{
    public static string Normalize(string deviceName)
    {
        string name = deviceName.Trim();
        if (name.StartsWith("/dev/", StringComparison.Ordinal))
        {
            name = name["/dev/".Length..];
        }

        // Xen and Nitro kernels rename sdX to xvdX (or nvme): EC2 treats both spellings as one slot.
        if (name.StartsWith("xvd", StringComparison.Ordinal))
        {
            name = "sd" + name["xvd".Length..];
        }

        return name;
    }

    public static bool Same(string a, string b) => Normalize(a) == Normalize(b);
}
