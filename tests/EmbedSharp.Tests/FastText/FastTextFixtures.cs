using System.Globalization;
using System.Text;
using EmbedSharp.FastText;
using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.FastText;

/// <summary>Paths of tests/data/fasttext (made by tools/goldens/make_fasttext.py with Debian's fastText 0.9.2), the
/// from-scratch model of that script, and helpers to compare with what fastText prints.</summary>
internal static class FastTextFixtures
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "data", "fasttext", name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));

    /// <summary>The lines of a fixture as raw bytes (split at '\n', the final empty piece dropped).</summary>
    public static List<byte[]> Lines(string name)
    {
        var bytes = Bytes(name);
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\n')
            {
                lines.Add(bytes[start..i]);
                start = i + 1;
            }
        }

        if (start < bytes.Length)
        {
            lines.Add(bytes[start..]);
        }

        return lines;
    }

    /// <summary>The model tools/goldens/make_fasttext.py writes to scratch.bin, built with the public constructor.</summary>
    public static FastTextModel Scratch()
    {
        var args = new FastTextOptions { Dim = 4, Ws = 5, Epoch = 5, MinCount = 1, Neg = 5, WordNgrams = 1, Loss = FastTextLoss.NegativeSampling, Model = FastTextModelKind.SkipGram, Bucket = 7, Minn = 2, Maxn = 4, LrUpdateRate = 100, T = 1e-4 };
        FastTextEntry[] entries =
        [
            new("</s>", 10, FastTextEntryType.Word), new("hello", 7, FastTextEntryType.Word), new("wörld", 5, FastTextEntryType.Word),
            new("日本", 3, FastTextEntryType.Word), new("x", 2, FastTextEntryType.Word),
        ];
        var m = entries.Length + args.Bucket;
        var input = new FloatTensor(m, 4);
        for (var r = 0; r < m; r++)
        {
            for (var c = 0; c < 4; c++)
            {
                input[r, c] = (((r * 7) + (c * 3)) % 17 - 8) / 64f;
            }
        }

        var output = new FloatTensor(entries.Length, 4);
        for (var r = 0; r < entries.Length; r++)
        {
            for (var c = 0; c < 4; c++)
            {
                output[r, c] = (r - c) / 8f;
            }
        }

        return new FastTextModel(args, entries, 27, input, output);
    }

    /// <summary>Checks one printed line "prefix v1 v2 … vD " against our vector: every value within half a unit of the
    /// 5th significant digit fastText printed, then the whole line string-equal to our own formatting.</summary>
    public static void AssertPrinted(byte[] printedLine, ReadOnlySpan<byte> prefix, ReadOnlySpan<float> ours, string context)
    {
        var expected = Encoding.UTF8.GetString(printedLine);
        var valuesText = Encoding.UTF8.GetString(printedLine.AsSpan(prefix.Length));
        var parts = valuesText.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(parts.Length == ours.Length, $"{context}: fastText printed {parts.Length} values, we have {ours.Length}.");
        double maxDiff = 0;
        var firstBad = -1;
        for (var i = 0; i < parts.Length; i++)
        {
            var printed = double.Parse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture);
            var diff = Math.Abs(printed - ours[i]);
            maxDiff = Math.Max(maxDiff, diff);
            if (diff > HalfUnit(printed) && firstBad < 0)
            {
                firstBad = i;
            }
        }

        Assert.True(firstBad < 0, $"{context}: max difference {maxDiff:G4}; first beyond print precision at {firstBad}: printed {(firstBad >= 0 ? parts[firstBad] : "")}, ours {(firstBad >= 0 ? ours[firstBad].ToString("R", CultureInfo.InvariantCulture) : "")}.");
        var actual = Encoding.UTF8.GetString(prefix) + FastTextPrint.FormatVector(ours);
        Assert.True(expected == actual, $"{context}: printed line differs.\n fastText: {expected}\n ours:     {actual}");
    }

    /// <summary>Half a unit of the last of 5 significant digits of a printed value (0 for an exact zero).</summary>
    public static double HalfUnit(double printed) =>
        printed == 0 ? 1e-45 : 0.5 * Math.Pow(10, Math.Floor(Math.Log10(Math.Abs(printed))) - 4) * 1.000001;
}
