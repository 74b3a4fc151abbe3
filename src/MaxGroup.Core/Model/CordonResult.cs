namespace MaxGroup.Core.Model;

/// <summary>What cordoning a node did.</summary>
public enum CordonResult
{
    /// <summary>Made unschedulable, tainted and labelled now.</summary>
    Cordoned,
    /// <summary>An earlier run (or the same event) had done it already.</summary>
    AlreadyCordoned,
}
