using System.Buffers.Binary;
using System.IO.Compression;

namespace MaxGroup.Integration.Tests.Cli;

/// <summary>
/// A minimal PNG reader for the browser tests: 8-bit greyscale, RGB, grey+alpha and RGBA, not interlaced (what
/// Chromium's screenshot writes). Enough to tell a blank page from a drawn one; not a general decoder.
/// </summary>
public sealed class PngImage
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly byte[] _pixels;
    private readonly int _channels;

    private PngImage(int width, int height, int channels, byte[] pixels)
    {
        Width = width;
        Height = height;
        _channels = channels;
        _pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>The pixel's colour as 0xRRGGBB (alpha ignored).</summary>
    public int Rgb(int x, int y)
    {
        int at = ((y * Width) + x) * _channels;
        return _channels switch
        {
            1 or 2 => (_pixels[at] << 16) | (_pixels[at] << 8) | _pixels[at],
            _ => (_pixels[at] << 16) | (_pixels[at + 1] << 8) | _pixels[at + 2],
        };
    }

    /// <summary>How many distinct colours the image holds (a blank page has one).</summary>
    public int DistinctColours()
    {
        var colours = new HashSet<int>();
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                colours.Add(Rgb(x, y));
            }
        }

        return colours.Count;
    }

    /// <summary>How many pixels differ from the top-left one (the page's background).</summary>
    public int PixelsUnlikeBackground()
    {
        int background = Rgb(0, 0);
        int count = 0;
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                count += Rgb(x, y) == background ? 0 : 1;
            }
        }

        return count;
    }

    public static PngImage Read(byte[] file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Length < 8 || !file.AsSpan(0, 8).SequenceEqual(Signature))
        {
            throw new InvalidDataException("not a PNG file (signature)");
        }

        int width = 0, height = 0, channels = 0;
        using var compressed = new MemoryStream();
        int offset = 8;
        while (offset + 12 <= file.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(offset));
            string type = Encoding.ASCII.GetString(file, offset + 4, 4);
            ReadOnlySpan<byte> data = file.AsSpan(offset + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                byte depth = data[8], colourType = data[9], interlace = data[12];
                channels = colourType switch { 0 => 1, 2 => 3, 4 => 2, 6 => 4, _ => 0 };
                if (depth != 8 || channels == 0 || interlace != 0)
                {
                    throw new InvalidDataException($"unsupported PNG: depth {depth}, colour type {colourType}, interlace {interlace}");
                }
            }
            else if (type == "IDAT")
            {
                compressed.Write(data);
            }
            else if (type == "IEND")
            {
                break;
            }

            offset += 12 + length;
        }

        if (width <= 0 || height <= 0)
        {
            throw new InvalidDataException("PNG without IHDR");
        }

        compressed.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        return new PngImage(width, height, channels, Unfilter(inflated.ToArray(), width, height, channels));
    }

    /// <summary>Undoes the per-row filters (none, sub, up, average, Paeth) of the PNG specification.</summary>
    private static byte[] Unfilter(byte[] raw, int width, int height, int bpp)
    {
        int stride = width * bpp;
        if (raw.Length < height * (stride + 1))
        {
            throw new InvalidDataException("PNG image data is shorter than its header says");
        }

        var pixels = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            byte filter = raw[y * (stride + 1)];
            int source = (y * (stride + 1)) + 1;
            int row = y * stride;
            for (int i = 0; i < stride; i++)
            {
                int left = i >= bpp ? pixels[row + i - bpp] : 0;
                int up = y > 0 ? pixels[row - stride + i] : 0;
                int upLeft = y > 0 && i >= bpp ? pixels[row - stride + i - bpp] : 0;
                int predictor = filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => Paeth(left, up, upLeft),
                    _ => throw new InvalidDataException($"PNG row {y}: unknown filter {filter}"),
                };
                pixels[row + i] = (byte)(raw[source + i] + predictor);
            }
        }

        return pixels;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
