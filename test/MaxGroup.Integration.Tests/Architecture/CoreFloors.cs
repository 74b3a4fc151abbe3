namespace MaxGroup.Integration.Tests.Architecture;

/// <summary>
/// The floors of MaxGroup.Core, lowest first (docs/architecture.md, "Core in floors"). A namespace may use namespaces on
/// its own floor or below; rooms on one floor may use each other only without a cycle. A namespace is on the floor of
/// the longest prefix listed here (MaxGroup.Core.Steps.Volume is on the Steps floor).
/// </summary>
public static class CoreFloors
{
    public static readonly IReadOnlyList<IReadOnlyList<string>> LowestFirst =
    [
        ["MaxGroup.Core.Model"],
        ["MaxGroup.Core.Ports"],
        ["MaxGroup.Core.Events", "MaxGroup.Core.Config"],
        ["MaxGroup.Core.Routing"],
        ["MaxGroup.Core.Ledger"],
        ["MaxGroup.Core.Steps"],
        ["MaxGroup.Core.Runner"],
        ["MaxGroup.Core.Dispatch", "MaxGroup.Core.Preaction"],
    ];

    /// <summary>The floor of <paramref name="ns"/> (0 = Model), or null when no floor lists it.</summary>
    public static int? FloorOf(string ns)
    {
        int? best = null;
        int bestLength = -1;
        for (int floor = 0; floor < LowestFirst.Count; floor++)
        {
            foreach (string room in LowestFirst[floor])
            {
                if ((ns == room || ns.StartsWith(room + ".", StringComparison.Ordinal)) && room.Length > bestLength)
                {
                    best = floor;
                    bestLength = room.Length;
                }
            }
        }

        return best;
    }
}
