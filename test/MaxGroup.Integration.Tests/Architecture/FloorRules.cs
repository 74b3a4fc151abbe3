namespace MaxGroup.Integration.Tests.Architecture;

/// <summary>The one-way rule of <see cref="CoreFloors"/> applied to a namespace graph.</summary>
public static class FloorRules
{
    /// <summary>Every use of a namespace on a higher floor than the user's, as "A (floor n) uses B (floor m)".</summary>
    public static IReadOnlyList<string> UpwardUses(NamespaceGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var upward = new List<string>();
        foreach (string from in graph.Namespaces.Order(StringComparer.Ordinal))
        {
            int? fromFloor = CoreFloors.FloorOf(from);
            foreach (string to in graph.Uses(from))
            {
                int? toFloor = CoreFloors.FloorOf(to);
                if (fromFloor is not null && toFloor is not null && toFloor > fromFloor)
                {
                    upward.Add($"{from} (floor {fromFloor}) uses {to} (floor {toFloor})");
                }
            }
        }

        return upward;
    }
}
