using System.Globalization;
using System.Text.Json;
using EmbedSharp.Vectors;

namespace EmbedSharp.Tests.Vectors.Formats;

/// <summary>Fixtures in tests/data/textvec (made by tools/goldens/make_textvec.py with gensim and fastText).</summary>
internal static class TextVecFixtures
{
    private static readonly Lazy<JsonDocument> LazyCases = new(() => JsonDocument.Parse(File.ReadAllBytes(PathOf("cases.json"))));

    public static JsonElement Cases => LazyCases.Value.RootElement;

    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "data", "textvec", name);

    public static float[] Floats(string name)
    {
        var bytes = File.ReadAllBytes(PathOf(name));
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    public static float[] HexFloats(JsonElement array) =>
        [.. array.EnumerateArray().Select(e => BitConverter.Int32BitsToSingle(int.Parse(e.GetString()!, NumberStyles.HexNumber, CultureInfo.InvariantCulture)))];

    public static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>Asserts the words match and the matrix is bit-identical, naming the max difference and the first mismatch.</summary>
    public static void AssertVectors(IReadOnlyList<string> words, float[] expected, WordVectors actual)
    {
        Assert.Equal(words, actual.Words);
        if (words.Count == 0)
        {
            return;
        }

        var d = expected.Length / words.Count;
        Assert.Equal(d, actual.Dimension);
        var mismatches = 0;
        var maxDiff = 0.0;
        var first = "";
        for (var i = 0; i < expected.Length; i++)
        {
            var a = actual.GetVector(i / d)[i % d];
            var e = expected[i];
            if (BitConverter.SingleToInt32Bits(a) != BitConverter.SingleToInt32Bits(e))
            {
                if (mismatches++ == 0)
                {
                    first = string.Create(CultureInfo.InvariantCulture, $"row {i / d} ('{words[i / d]}') col {i % d}: expected {e:R} (0x{BitConverter.SingleToInt32Bits(e):x8}), got {a:R} (0x{BitConverter.SingleToInt32Bits(a):x8})");
                }

                maxDiff = Math.Max(maxDiff, Math.Abs((double)a - e));
            }
        }

        Assert.True(mismatches == 0, $"{mismatches} values differ, max difference {maxDiff:R}; first: {first}");
    }
}
