using System.Text;

namespace MaxGroup.Functions.Observability;

/// <summary>Turns message-template names ({InstanceId}) into the snake_case keys Powertools writes (instance_id).</summary>
public static class JsonKeys
{
    public static string ToSnakeCase(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ReadOnlySpan<char> span = name.AsSpan().TrimStart('@');
        var builder = new StringBuilder(span.Length + 4);
        for (int i = 0; i < span.Length; i++)
        {
            char c = span[i];
            if (char.IsUpper(c))
            {
                bool afterWord = i > 0 && (char.IsLower(span[i - 1]) || char.IsDigit(span[i - 1]));
                bool endOfAcronym = i > 0 && char.IsUpper(span[i - 1]) && i + 1 < span.Length && char.IsLower(span[i + 1]);
                if ((afterWord || endOfAcronym) && builder.Length > 0 && builder[^1] != '_')
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c is '-' or ' ' or '.' ? '_' : c);
            }
        }

        return builder.ToString();
    }
}
