using System.Runtime.InteropServices;
using System.Text.Json;
using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.Parity;

/// <summary>Reads the autograd goldens of tests/data/autograd (tools/goldens/make_autograd.py, make_lm.py): a float
/// tensor is {shape, b64 of little-endian float32}, an index or mask tensor {shape, ints} (booleans as 0/1) or a float
/// tensor read as non-zero = 1.</summary>
internal static class AutogradGolden
{
    private static readonly Dictionary<string, JsonElement> Files = [];

    /// <summary>The root element of tests/data/autograd/<paramref name="file"/>, parsed once.</summary>
    public static JsonElement Load(string file)
    {
        lock (Files)
        {
            if (!Files.TryGetValue(file, out var root))
            {
                root = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "autograd", file))).RootElement;
                Files[file] = root;
            }

            return root;
        }
    }

    public static FloatTensor Floats(JsonElement e)
    {
        long[] shape = [.. e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64())];
        var bytes = Convert.FromBase64String(e.GetProperty("b64").GetString()!);
        var t = new FloatTensor(shape);
        MemoryMarshal.Cast<byte, float>(bytes).CopyTo(t.AsSpan());
        return t;
    }

    public static IndexTensor Indices(JsonElement e)
    {
        long[] shape = [.. e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64())];
        long[] values = e.TryGetProperty("ints", out var ints)
            ? [.. ints.EnumerateArray().Select(v => v.ValueKind switch { JsonValueKind.True => 1L, JsonValueKind.False => 0L, _ => v.GetInt64() })]
            : [.. MemoryMarshal.Cast<byte, float>(Convert.FromBase64String(e.GetProperty("b64").GetString()!)).ToArray().Select(f => f != 0 ? 1L : 0L)];
        return new IndexTensor(values, shape);
    }
}
