namespace MaxGroup.Cli.Demo;

/// <summary>One invariant the demo checks, with what was found.</summary>
public sealed record DemoCheck(string Name, bool Ok, string Detail);
