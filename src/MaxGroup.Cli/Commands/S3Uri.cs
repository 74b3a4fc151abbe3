namespace MaxGroup.Cli.Commands;

/// <summary>Splits s3://bucket/key.</summary>
internal static class S3Uri
{
    public static bool TryParse(string text, out string bucket, out string key)
    {
        bucket = "";
        key = "";
        if (!text.StartsWith("s3://", StringComparison.Ordinal))
        {
            return false;
        }

        string rest = text["s3://".Length..];
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == rest.Length - 1)
        {
            return false;
        }

        bucket = rest[..slash];
        key = rest[(slash + 1)..];
        return true;
    }
}
