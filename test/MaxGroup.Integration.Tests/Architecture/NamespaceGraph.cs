using System.Reflection;
using NetArchTest.Rules;

namespace MaxGroup.Integration.Tests.Architecture;

/// <summary>
/// Which namespace of an assembly uses which, as NetArchTest reads it from the compiled IL (fields, signatures, calls,
/// attributes: not usings), and the cycles in that graph.
/// </summary>
public sealed class NamespaceGraph
{
    private readonly Dictionary<string, SortedSet<string>> _edges;

    public NamespaceGraph(IReadOnlyDictionary<string, IReadOnlyCollection<string>> edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        _edges = edges.ToDictionary(e => e.Key, e => new SortedSet<string>(e.Value, StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (string target in edges.Values.SelectMany(v => v).ToList())
        {
            _edges.TryAdd(target, new SortedSet<string>(StringComparer.Ordinal));
        }
    }

    public IReadOnlyCollection<string> Namespaces => _edges.Keys;

    public IReadOnlyCollection<string> Uses(string ns) => _edges.TryGetValue(ns, out SortedSet<string>? uses) ? uses : [];

    /// <summary>Reads the graph of <paramref name="assembly"/>'s namespaces that start with <paramref name="prefix"/>.</summary>
    public static NamespaceGraph Of(Assembly assembly, string prefix)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        Dictionary<string, string[]> typesByNamespace = assembly.GetTypes()
            .Where(t => t.Namespace is not null && (t.Namespace == prefix || t.Namespace.StartsWith(prefix + ".", StringComparison.Ordinal)))
            .Where(t => !t.Name.StartsWith('<'))
            .GroupBy(t => t.Namespace!)
            .ToDictionary(g => g.Key, g => g.Select(t => t.FullName!.Replace('+', '/')).Where(n => !n.Contains('/')).ToArray(), StringComparer.Ordinal);
        var edges = new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.Ordinal);
        foreach (string from in typesByNamespace.Keys)
        {
            var uses = new List<string>();
            foreach ((string to, string[] targets) in typesByNamespace)
            {
                if (to == from || targets.Length == 0)
                {
                    continue;
                }

                bool any = Types.InAssembly(assembly)
                    .That().ResideInNamespaceMatching("^" + System.Text.RegularExpressions.Regex.Escape(from) + "$")
                    .Should().NotHaveDependencyOnAny(targets)
                    .GetResult().IsSuccessful is false;
                if (any)
                {
                    uses.Add(to);
                }
            }

            edges[from] = uses;
        }

        return new NamespaceGraph(edges);
    }

    /// <summary>Every strongly connected set of two or more namespaces (Tarjan), each sorted, as "A -> B -> A" text.</summary>
    public IReadOnlyList<string> Cycles()
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var cycles = new List<string>();
        int next = 0;

        void Visit(string v)
        {
            index[v] = low[v] = next++;
            stack.Push(v);
            onStack.Add(v);
            foreach (string w in Uses(v))
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], index[w]);
                }
            }

            if (low[v] == index[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);
                if (component.Count > 1)
                {
                    component.Sort(StringComparer.Ordinal);
                    cycles.Add(string.Join(" <-> ", component));
                }
            }
        }

        foreach (string v in _edges.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(v))
            {
                Visit(v);
            }
        }

        return cycles;
    }
}
