using Spectre.Console;

namespace MaxGroup.Cli.Demo;

/// <summary>The checks of a scenario as one table: each row ok or FAILED with what was found; the failed ones are kept.</summary>
public sealed class DemoCheckTable
{
    private readonly Table _table = new Table().Border(TableBorder.Rounded).AddColumn("check").AddColumn("result");
    private readonly List<string> _failed = [];

    /// <summary>The checks that failed, as "name: detail".</summary>
    public IReadOnlyList<string> Failed => _failed;

    public void Check(string name, bool ok, string detail)
    {
        _table.AddRow(Markup.Escape(name), ok ? $"[green]ok[/] {Markup.Escape(detail)}" : $"[red]FAILED[/] {Markup.Escape(detail)}");
        if (!ok)
        {
            _failed.Add($"{name}: {detail}");
        }
    }

    public void Check(DemoCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        Check(check.Name, check.Ok, check.Detail);
    }

    public void Write(IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        console.WriteLine();
        console.Write(_table);
    }
}
