namespace MaxGroup.Core.Steps.Capacity;

/// <summary>EC2 error codes that mean "no capacity for this (type, AZ, market)": try the next candidate.</summary>
public static class CapacityErrors
{
    private static readonly HashSet<string> Codes = new(StringComparer.Ordinal)
    {
        "InsufficientInstanceCapacity",
        "InsufficientCapacity",
        "InsufficientHostCapacity",
        "SpotMaxPriceTooLow",
        "UnfulfillableCapacity",
        "MaxSpotInstanceCountExceeded",
        // The type is not offered in this AZ: another type may be.
        "Unsupported",
    };

    public static bool IsCapacityError(string errorCode) => Codes.Contains(errorCode);
}
