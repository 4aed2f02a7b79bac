using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using EmbedSharp.Nn.Positional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Parity;

/// <summary>
/// Positional encodings against tests/data/positional (tools/goldens/make_positional.py, PyTorch 1.13 AVX2).
/// Bit-exact: the sinusoidal div_term and the expf sweep (SLEEF's algorithm), learned-table initialisation, forward and
/// input gradients, the learned-table gradient for batch ≤ 4, token+position with a learned table.
/// Tolerances: sinusoidal table 1.2e-7 abs (SLEEF sinf/cosf vs correctly rounded, ≤ 1 ulp; the brief requires 2e-6);
/// learned-table gradient for batch &gt; 4 2e-6 abs (PyTorch's cascade sum); RoPE 1e-6 abs (double tables through glibc);
/// token+sinusoidal output 1e-6 abs.
/// </summary>
public sealed class PositionalParityTests
{
    private const double SinusoidalTolerance = 1.2e-7;
    private const double CascadeSumTolerance = 2e-6;
    private const double RotaryTolerance = 1e-6;

    private static readonly Lazy<JsonDocument> Doc = new(() => JsonDocument.Parse(File.ReadAllBytes(DataPath("cases.json"))));

    private static string DataPath(string name) => Path.Combine(AppContext.BaseDirectory, "data", "positional", name);

    private static JsonElement Section(string name) => Doc.Value.RootElement.GetProperty(name);

    public static TheoryData<int> Indices(string section)
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Section(section).GetArrayLength(); i++)
        {
            data.Add(i);
        }

        return data;
    }

    public static TheoryData<int> SinusoidalCases() => Indices("sinusoidal");

    public static TheoryData<int> LearnedCases() => Indices("learned");

    public static TheoryData<int> RotaryCases() => Indices("rotary");

    public static TheoryData<int> TokenPositionCases() => Indices("token_position");

    [Theory]
    [MemberData(nameof(SinusoidalCases))]
    public void Div_term_matches_pytorch_bit_for_bit(int index)
    {
        var c = Section("sinusoidal")[index];
        var d = c.GetProperty("d").GetInt32();
        var expected = Hex(c.GetProperty("div_term"));
        var actual = new float[(d + 1) / 2];
        SinusoidalTable.DivTerm(d, actual);
        AssertClose(expected, actual, 0, $"div_term d={d}");
    }

    [Theory]
    [MemberData(nameof(SinusoidalCases))]
    public void Sinusoidal_table_is_within_one_ulp_of_pytorch(int index)
    {
        var c = Section("sinusoidal")[index];
        var d = c.GetProperty("d").GetInt32();
        var maxLen = c.GetProperty("max_len").GetInt32();
        var layout = c.GetProperty("layout").GetString() == "interleaved" ? SinusoidalLayout.Interleaved : SinusoidalLayout.Concatenated;
        var rows = c.GetProperty("rows").GetString()!.Split(' ').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var expected = ReadFloats(c.GetProperty("file").GetString()!);
        Assert.Equal(rows.Length * d, expected.Length);

        var pe = new SinusoidalPositionalEncoding(maxLen, d, layout).Pe;
        var actual = rows.SelectMany(r => pe.Row(r).ToArray()).ToArray();
        AssertClose(expected, actual, SinusoidalTolerance, $"PE {layout} max_len={maxLen} d={d}");
    }

    [Fact]
    public void Expf_reproduces_torch_exp_bit_for_bit()
    {
        var bytes = File.ReadAllBytes(DataPath("expf_sweep.bin"));
        var n = bytes.Length / 8;
        Assert.Equal(Section("expf").GetProperty("count").GetInt32(), n);
        var expected = new float[n];
        var actual = new float[n];
        for (var i = 0; i < n; i++)
        {
            var x = BitConverter.UInt32BitsToSingle(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8 * i)));
            expected[i] = BitConverter.UInt32BitsToSingle(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((8 * i) + 4)));
            actual[i] = SinusoidalTable.SleefExpF(x);
        }

        AssertClose(expected, actual, 0, "expf sweep");
    }

    [Theory]
    [MemberData(nameof(LearnedCases))]
    public void Learned_positions_match_pytorch(int index)
    {
        var c = Section("learned")[index];
        var shape = Shape(c);
        var offset = c.GetProperty("offset").GetInt64();
        var m = new LearnedPositionalEmbedding(c.GetProperty("max_len").GetInt32(), c.GetProperty("d").GetInt32(),
            new Generator(c.GetProperty("seed").GetInt64()));
        AssertClose(Hex(c.GetProperty("weight")), m.Weight.Value.ToArray(), 0, "weight after seed");

        var x = FloatTensor.FromArray(Hex(c.GetProperty("x")), shape);
        var y = m.Forward(x, offset);
        AssertClose(Hex(c.GetProperty("y")), y.ToArray(), 0, "forward");

        var gx = m.Backward(FloatTensor.FromArray(Hex(c.GetProperty("grad_output")), shape), offset);
        AssertClose(Hex(c.GetProperty("input_grad")), gx.ToArray(), 0, "input gradient");
        var batch = shape.Length == 3 ? shape[0] : 1;
        AssertClose(Hex(c.GetProperty("weight_grad")), m.Weight.Grad!.ToArray(), batch <= 4 ? 0 : CascadeSumTolerance, $"weight gradient, batch {batch}");
    }

    [Theory]
    [MemberData(nameof(RotaryCases))]
    public void Rotary_matches_the_torch_reference(int index)
    {
        var c = Section("rotary")[index];
        var shape = Shape(c);
        var layout = c.GetProperty("layout").GetString() == "interleaved" ? RotaryLayout.Interleaved : RotaryLayout.HalfSplit;
        var offset = c.GetProperty("offset").GetInt64();
        var rope = new RotaryEmbedding((int)shape[^1], c.GetProperty("base").GetDouble(), layout);
        var what = $"{layout} {FloatTensor.FormatShape(shape)} offset {offset}";

        var x = FloatTensor.FromArray(Hex(c.GetProperty("x")), shape);
        AssertClose(Hex(c.GetProperty("y")), rope.Forward(x, offset).ToArray(), RotaryTolerance, what + " forward");
        var g = rope.Backward(FloatTensor.FromArray(Hex(c.GetProperty("grad_output")), shape), offset);
        AssertClose(Hex(c.GetProperty("input_grad")), g.ToArray(), RotaryTolerance, what + " backward");
    }

    [Theory]
    [MemberData(nameof(TokenPositionCases))]
    public void Token_and_position_matches_pytorch(int index)
    {
        var c = Section("token_position")[index];
        var learned = c.GetProperty("kind").GetString() == "learned";
        var ids = Ids(c.GetProperty("ids"));
        var offset = c.GetProperty("offset").GetInt64();
        var m = new TokenAndPositionEmbedding(c.GetProperty("vocab").GetInt32(), c.GetProperty("d").GetInt32(), c.GetProperty("max_len").GetInt32(),
            learned ? PositionEncodingKind.Learned : PositionEncodingKind.Sinusoidal, new Generator(c.GetProperty("seed").GetInt64()),
            scaleBySqrtDim: c.GetProperty("scale").GetBoolean());
        AssertClose(Hex(c.GetProperty("token_weight")), m.TokenWeight.Value.ToArray(), 0, "token.weight");
        var positionTable = learned ? m.LearnedPosition!.Weight.Value : m.SinusoidalPosition!.Pe;
        AssertClose(Hex(c.GetProperty("position_table")), positionTable.ToArray(), learned ? 0 : SinusoidalTolerance, "position table");

        var y = m.ForwardTensor(ids, offset);
        AssertClose(Hex(c.GetProperty("y")), y.ToArray(), learned ? 0 : RotaryTolerance, "forward");
        m.Backward(FloatTensor.FromArray(Hex(c.GetProperty("grad_output")), y.Shape.ToArray()), ids, offset);
        AssertClose(Hex(c.GetProperty("token_grad")), m.TokenWeight.Grad!.ToArray(), 0, "token gradient");
        if (learned)
        {
            AssertClose(Hex(c.GetProperty("position_grad")), m.LearnedPosition!.Weight.Grad!.ToArray(), 0, "position gradient");
        }
    }

    private static long[] Shape(JsonElement c) => c.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();

    private static IndexTensor Ids(JsonElement ids)
    {
        if (ids[0].ValueKind == JsonValueKind.Array)
        {
            var rows = ids.EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetInt64()).ToArray()).ToArray();
            return new IndexTensor(rows.SelectMany(r => r).ToArray(), rows.Length, rows[0].Length);
        }

        var flat = ids.EnumerateArray().Select(e => e.GetInt64()).ToArray();
        return new IndexTensor(flat, flat.Length);
    }

    private static float[] Hex(JsonElement e) =>
        e.GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(h => BitConverter.UInt32BitsToSingle(uint.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture)))
            .ToArray();

    private static float[] ReadFloats(string file)
    {
        var bytes = File.ReadAllBytes(DataPath(file));
        var values = new float[bytes.Length / 4];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i));
        }

        return values;
    }

    /// <summary>Asserts |expected − actual| ≤ tolerance everywhere (bit equality when tolerance is 0), naming the maximum
    /// difference, the number of differing values and the first mismatch.</summary>
    internal static void AssertClose(float[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxDiff = 0;
        var differing = 0;
        var first = -1;
        for (var i = 0; i < expected.Length; i++)
        {
            var same = BitConverter.SingleToUInt32Bits(expected[i]) == BitConverter.SingleToUInt32Bits(actual[i]);
            var diff = Math.Abs((double)expected[i] - actual[i]);
            if (!same)
            {
                differing++;
                maxDiff = Math.Max(maxDiff, double.IsNaN(diff) ? double.PositiveInfinity : diff);
            }

            if (!same && (tolerance == 0 || !(diff <= tolerance)) && first < 0)
            {
                first = i;
            }
        }

        Assert.True(
            first < 0,
            $"{what}: {differing} of {expected.Length} values differ, max |diff| {maxDiff:G3} (tolerance {tolerance:G3}); first mismatch at {first}: expected {(first >= 0 ? expected[first] : 0):R}, got {(first >= 0 ? actual[first] : 0):R}.");
    }
}
