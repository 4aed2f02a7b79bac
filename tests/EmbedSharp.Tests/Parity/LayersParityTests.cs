using System.Security.Cryptography;
using System.Text.Json;
using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Training.Losses;

namespace EmbedSharp.Tests.Parity;

/// <summary>
/// Replays tests/data/layers/cases.json (tools/goldens/make_layers.py, PyTorch 1.13 AVX2, netlib BLAS, one thread).
/// Inputs are re-drawn with <see cref="Generator"/> (bit-exact with torch.randn). Bit-exact: Linear forward and all its
/// gradients, ReLU, the Tanh/Sigmoid backward, Dropout (mask, output, gradient, generator state), MSE, torch's sum order.
/// Within a tolerance: Tanh/Sigmoid forward (SLEEF vs TensorPrimitives) and cross-entropy / BCE-with-logits (float SLEEF
/// vs our double evaluation).
/// </summary>
public sealed class LayersParityTests
{
    private const float ActivationTolerance = 2.5e-7f; // absolute (2 ulp near 1); measured max 1.2e-7
    private const double LossRelativeTolerance = 2e-6; // |a − b| ≤ tol·max(1, |b|); measured max |diff| 4.8e-7 on per-sample values

    private static readonly Lazy<JsonElement> Doc = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "layers", "cases.json"))).RootElement);

    public static TheoryData<int> Indices(string section)
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Doc.Value.GetProperty(section).GetArrayLength(); i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Indices), "linear")]
    public void Linear_forward_and_gradients_are_bit_exact(int index)
    {
        var c = Doc.Value.GetProperty("linear")[index];
        var g = new Generator(c.GetProperty("seed").GetInt64());
        var shape = Longs(c.GetProperty("input"));
        var outF = c.GetProperty("out").GetInt32();
        var hasBias = c.GetProperty("bias").GetBoolean();
        var layer = new Linear((int)shape[^1], outF, g, hasBias);
        Assert.Equal(c.GetProperty("weight_sha256").GetString(), Sha(layer.Weight.Value));
        if (hasBias)
        {
            Assert.Equal(c.GetProperty("bias_sha256").GetString(), Sha(layer.Bias!.Value));
        }

        var x = Randn(g, shape);
        var oshape = shape[..^1].Append(outF).ToArray();
        var gy = Randn(g, oshape);
        var y = layer.Forward(x);
        AssertBits(c.GetProperty("y"), y, $"linear {index} y");
        var gx = layer.Backward(x, gy);
        if (c.GetProperty("twice").GetBoolean())
        {
            gx = layer.Backward(x, Randn(g, oshape));
        }

        AssertBits(c.GetProperty("grad_input"), gx, $"linear {index} grad input");
        AssertBits(c.GetProperty("grad_weight"), layer.Weight.Grad!, $"linear {index} grad weight");
        if (hasBias)
        {
            AssertBits(c.GetProperty("grad_bias"), layer.Bias!.Grad!, $"linear {index} grad bias");
        }
    }

    [Fact]
    public void Activations_match_pytorch()
    {
        var a = Doc.Value.GetProperty("activations");
        var g = new Generator(a.GetProperty("seed").GetInt64());
        var specials = a.GetProperty("specials").EnumerateArray()
            .Select(e => BitConverter.UInt32BitsToSingle(uint.Parse(e.GetString()!, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var head = Randn(g, 1000);
        head.Scale(3f);
        var x = FloatTensor.FromArray([.. head.ToArray(), .. specials], head.Length + specials.Count);
        var gy = Randn(g, x.Length);
        AssertBits(a.GetProperty("x"), x, "activation inputs");
        AssertBits(a.GetProperty("g"), gy, "activation upstream");
        foreach (var (name, layer) in new (string, Activation)[] { ("relu", new Relu()), ("tanh", new Tanh()), ("sigmoid", new Sigmoid()) })
        {
            var expected = a.GetProperty(name);
            var y = layer.Forward(x);
            if (name == "relu")
            {
                AssertBits(expected.GetProperty("y"), y, "relu y");
            }
            else
            {
                AssertClose(expected.GetProperty("y"), y, ActivationTolerance, 0, $"{name} y");
            }

            // The backward from PyTorch's own output is bit-exact.
            var torchY = Decode(expected.GetProperty("y"));
            AssertBits(expected.GetProperty("grad_input"), layer.Backward(torchY, gy), $"{name} grad input");
        }
    }

    [Theory]
    [MemberData(nameof(Indices), "dropout")]
    public void Dropout_reproduces_pytorch_masks_bit_for_bit(int index)
    {
        var c = Doc.Value.GetProperty("dropout")[index];
        var seed = c.GetProperty("seed").GetInt64();
        var shape = Longs(c.GetProperty("shape"));
        var xg = new Generator(1000 + seed);
        var x = Randn(xg, shape);
        var gy = Randn(xg, shape);
        var generator = new Generator(seed);
        var layer = new Dropout(generator, c.GetProperty("p").GetDouble());
        var (y, mask) = layer.Forward(x);
        AssertBits(c.GetProperty("y"), y, $"dropout {index} y");
        AssertBits(c.GetProperty("grad_input"), Dropout.Backward(gy, mask), $"dropout {index} grad");
        Assert.Equal(c.GetProperty("state_sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(generator.GetState())));
    }

    [Theory]
    [MemberData(nameof(Indices), "losses")]
    public void Loss_matches_pytorch(int index)
    {
        var c = Doc.Value.GetProperty("losses")[index];
        var reduction = c.GetProperty("reduction").GetString() switch
        {
            "none" => Reduction.None,
            "mean" => Reduction.Mean,
            _ => Reduction.Sum,
        };
        var shape = Longs(c.GetProperty("shape"));
        var name = $"loss {index} ({c.GetProperty("loss").GetString()}, {reduction})";
        switch (c.GetProperty("loss").GetString())
        {
            case "mse":
                {
                    var g = new Generator(c.GetProperty("seed").GetInt64());
                    var x = Randn(g, shape);
                    var y = Randn(g, shape);
                    var up = reduction == Reduction.None ? Randn(g, shape) : Randn(g, []);
                    var loss = new MseLoss(reduction);
                    AssertBits(c.GetProperty("out"), loss.Forward(x, y), name + " value");
                    AssertBits(c.GetProperty("grad_input"), loss.Backward(x, y, up), name + " grad");
                    break;
                }

            case "cross_entropy":
                {
                    var g = new Generator(c.GetProperty("seed").GetInt64());
                    var x = Randn(g, shape);
                    x.Scale(3f);
                    var up = reduction == Reduction.None ? Randn(g, shape[0]) : Randn(g, []);
                    var targets = IndexTensor.Vector([.. c.GetProperty("targets").EnumerateArray().Select(e => e.GetInt64())]);
                    var loss = new CrossEntropyLoss(reduction, labelSmoothing: c.GetProperty("label_smoothing").GetDouble());
                    AssertClose(c.GetProperty("out"), loss.Forward(x, targets), 0, LossRelativeTolerance, name + " value");
                    AssertClose(c.GetProperty("grad_input"), loss.Backward(x, targets, up), 0, LossRelativeTolerance, name + " grad");
                    break;
                }

            default:
                {
                    var x = Decode(c.GetProperty("logits"));
                    var y = Decode(c.GetProperty("target"));
                    var up = Decode(c.GetProperty("up"));
                    var pw = c.GetProperty("pos_weight");
                    FloatTensor? posWeight = pw.ValueKind == JsonValueKind.Array
                        ? FloatTensor.FromArray([.. pw.EnumerateArray().Select(e => (float)e.GetDouble())], pw.GetArrayLength())
                        : null;
                    var loss = new BceWithLogitsLoss(reduction, posWeight);
                    AssertClose(c.GetProperty("out"), loss.Forward(x, y), 0, LossRelativeTolerance, name + " value");
                    AssertClose(c.GetProperty("grad_input"), loss.Backward(x, y, up), 0, LossRelativeTolerance, name + " grad");
                    break;
                }
        }
    }

    [Fact]
    public void Column_sums_follow_pytorchs_cascade_order()
    {
        foreach (var c in Doc.Value.GetProperty("sums").GetProperty("columns").EnumerateArray())
        {
            int rows = c.GetProperty("rows").GetInt32(), cols = c.GetProperty("cols").GetInt32();
            var m = Randn(new Generator(c.GetProperty("seed").GetInt64()), rows, cols);
            var sums = new float[cols];
            TorchSum.Columns(m.AsSpan(), rows, cols, sums);
            AssertBits(c.GetProperty("sum"), FloatTensor.FromArray(sums, cols), $"sum of ({rows}, {cols}) over dim 0");
        }
    }

    [Fact]
    public void Full_sums_and_means_follow_pytorchs_cascade_order()
    {
        foreach (var c in Doc.Value.GetProperty("sums").GetProperty("all").EnumerateArray())
        {
            var n = c.GetProperty("n").GetInt32();
            var v = Randn(new Generator(c.GetProperty("seed").GetInt64()), n);
            var sum = TorchSum.All(v.AsSpan());
            AssertBits(c.GetProperty("sum"), FloatTensor.FromArray([sum]), $"sum of {n}");
            AssertBits(c.GetProperty("mean"), FloatTensor.FromArray([sum / n]), $"mean of {n}");
        }
    }

    internal static FloatTensor Randn(Generator g, params long[] shape)
    {
        var t = new FloatTensor(shape);
        Distributions.Normal(g, t, 0, 1);
        return t;
    }

    private static long[] Longs(JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetInt64())];

    private static string Sha(FloatTensor t) =>
        Convert.ToHexStringLower(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.ToArray().AsSpan())));

    private static FloatTensor Decode(JsonElement e)
    {
        var bytes = Convert.FromBase64String(e.GetProperty("b64").GetString()!);
        var values = new float[bytes.Length / 4];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BitConverter.Int32BitsToSingle(System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4 * i)));
        }

        return FloatTensor.FromArray(values, Longs(e.GetProperty("shape")));
    }

    private static void AssertBits(JsonElement expected, FloatTensor actual, string what)
    {
        var e = Decode(expected);
        Assert.True(e.Shape.SequenceEqual(actual.Shape), $"{what}: shape {FloatTensor.FormatShape(actual.Shape)}, expected {FloatTensor.FormatShape(e.Shape)}");
        var a = actual.ToArray();
        var b = e.ToArray();
        var mismatches = 0;
        var first = -1;
        double maxDiff = 0;
        for (var i = 0; i < a.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i]) && !(float.IsNaN(a[i]) && float.IsNaN(b[i])))
            {
                mismatches++;
                first = first < 0 ? i : first;
                maxDiff = Math.Max(maxDiff, Math.Abs((double)a[i] - b[i]));
            }
        }

        Assert.True(mismatches == 0,
            $"{what}: {mismatches}/{a.Length} values differ in bits, max |diff| {maxDiff:G4}; first at {first}: {(first >= 0 ? a[first] : 0):R} vs torch {(first >= 0 ? b[first] : 0):R}");
    }

    private static void AssertClose(JsonElement expected, FloatTensor actual, double absolute, double relative, string what)
    {
        var e = Decode(expected);
        Assert.True(e.Shape.SequenceEqual(actual.Shape), $"{what}: shape {FloatTensor.FormatShape(actual.Shape)}, expected {FloatTensor.FormatShape(e.Shape)}");
        var a = actual.ToArray();
        var b = e.ToArray();
        var first = -1;
        double maxDiff = 0;
        for (var i = 0; i < a.Length; i++)
        {
            if (float.IsNaN(a[i]) || float.IsNaN(b[i]) || float.IsInfinity(b[i]))
            {
                if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i]) && !(float.IsNaN(a[i]) && float.IsNaN(b[i])))
                {
                    first = first < 0 ? i : first;
                    maxDiff = double.PositiveInfinity;
                }

                continue;
            }

            var diff = Math.Abs((double)a[i] - b[i]);
            maxDiff = Math.Max(maxDiff, diff);
            if (diff > absolute + (relative * Math.Max(1, Math.Abs(b[i]))))
            {
                first = first < 0 ? i : first;
            }
        }

        Assert.True(first < 0,
            $"{what}: max |diff| {maxDiff:G4} over tolerance (abs {absolute}, rel {relative}); first at {first}: {(first >= 0 ? a[first] : 0):R} vs torch {(first >= 0 ? b[first] : 0):R}");
    }
}
