using System.IO.Compression;
using System.Runtime.CompilerServices;

namespace EmbedSharp.Randomness;

/// <summary>
/// The float32 <c>erfinv</c> of PyTorch builds that link Intel MKL (the official x86-64 wheels and libtorch, 1.13 and
/// 2.x alike): <c>Tensor.erfinv_</c> runs MKL's <c>vmsErfInv</c> in high-accuracy mode (<c>aten/src/ATen/cpu/vml.h</c>),
/// not <c>calc_erfinv</c> (<see cref="SpecialFunctions.Erfinv(float)"/>), which builds without MKL run.
/// </summary>
/// <remarks>
/// <para>MKL's algorithm is not public. Measured on every float in [0, 1) against libtorch 2.10.0 (MKL 2024.2,
/// AVX2; tools/goldens/torch2): it is the correctly rounded erfinv except on a few tens of thousands of inputs whose
/// exact value lies very near a rounding midpoint, where MKL returns the other neighbour. Reproduced here as: erfinv in
/// double (one Halley step from <see cref="SpecialFunctions.Erfinv(float)"/> on glibc's <c>erf</c> for |y| ≤ 0.5 and
/// on <c>erfc</c> against the exact 1 − |y| above, <see cref="ErfDouble"/>), rounded to float, then moved one ulp on the
/// inputs of a table made by that same sweep (<c>ErfinvMkl.table</c>, embedded; written by the bench tool
/// <c>erfinv-mkl-table</c>), so the result equals 2.10's on every input of the sweep. This scalar form is the definition;
/// the span form (ErfinvMkl.Vector.cs) reaches the same bits without the Halley step and falls back to it near
/// midpoints.</para>
/// <para>Odd (a negative input gives the negated result, as MKL does on every input). Special values as MKL: NaN passes
/// through unchanged, |y| &gt; 1 and ±∞ give the NaN 0xFFC00000, ±1 give ±∞, ±0 give ±0.</para>
/// </remarks>
internal static partial class ErfinvMkl
{
    private const double TwoOverSqrtPi = 1.1283791670955126;

    // Sorted inputs (bit patterns of positive floats) where MKL's result is one ulp above (Up) or below ours.
    private static readonly Lazy<(uint[] Inputs, bool[] Up)> Table = new(LoadTable);

    /// <summary>MKL's erfinv of <paramref name="y"/> (see the class remarks).</summary>
    public static float Erfinv(float y) => Finish(y, SpecialFunctions.Erfinv(MathF.Abs(y)));

    /// <summary>MKL's erfinv of <paramref name="y"/> from <paramref name="start"/> = calc_erfinv(|y|).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Finish(float y, float start)
    {
        if (float.IsNaN(y))
        {
            return y;
        }

        var a = MathF.Abs(y);
        if (a > 1f)
        {
            return BitConverter.UInt32BitsToSingle(0xFFC00000u);
        }

        if (a == 1f || a == 0f)
        {
            return a == 0f ? y : (y > 0f ? float.PositiveInfinity : float.NegativeInfinity);
        }

        var xd = InDouble(a, start);
        var x = (float)xd;

        // MKL departs from the rounded value only where erfinv lies within 0.00192 ulp of a rounding midpoint (the
        // largest distance over the table, measured by the bench mode erfinv-mkl-exhaustive; Torch2ParityTests fails if
        // an entry lay outside this search window), so the table is searched only within 0.01 ulp of one.
        var neighbour = xd > x ? MathF.BitIncrement(x) : MathF.BitDecrement(x);
        if (Math.Abs(xd - ((0.5 * x) + (0.5 * (double)neighbour))) < 0.01 * Math.Abs((double)neighbour - x))
        {
            var (inputs, up) = Table.Value;
            var at = Array.BinarySearch(inputs, BitConverter.SingleToUInt32Bits(a));
            if (at >= 0)
            {
                x = up[at] ? MathF.BitIncrement(x) : MathF.BitDecrement(x);
            }
        }

        return y < 0f ? -x : x;
    }

    /// <summary>erfinv(a) for 0 &lt; a &lt; 1, computed in double and rounded to float once (no table).</summary>
    internal static float Rounded(float a) => (float)InDouble(a, SpecialFunctions.Erfinv(a));

    /// <summary>erfinv(a) in double for 0 &lt; a &lt; 1 (about 1e-16 relative), from <paramref name="start"/> =
    /// calc_erfinv(a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double InDouble(float a, float start)
    {
        // One Halley step from calc_erfinv's float (relative error about 1e-7) leaves about 1e-21: with f = erf(x) − a,
        // f' = 2/√π·e^(−x²) and f'' = −2x·f', Halley's x − f/(f' − f·f''/(2f')) is x − u/(1 + x·u), u = f/f'. Above 0.5
        // the residual is taken on erfc against the exact 1 − a, so nothing cancels near 1.
        double x = start;
        double ad = a;
        var slope = TwoOverSqrtPi * Math.Exp(-x * x);
        var u = ad > 0.5 ? -(ErfDouble.Erfc(x) - (1.0 - ad)) / slope : (ErfDouble.Erf(x) - ad) / slope;
        x -= u / (1.0 + (x * u));
        return x;
    }

    /// <summary>Encodes the table: for each input in ascending order, LEB128 of (delta from the previous input) · 2 + up,
    /// then deflate.</summary>
    internal static byte[] EncodeTable(IReadOnlyList<(uint Input, bool Up)> entries)
    {
        using var raw = new MemoryStream();
        using (var deflate = new DeflateStream(raw, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var previous = 0UL;
            foreach (var (input, isUp) in entries)
            {
                var value = ((input - previous) << 1) | (isUp ? 1UL : 0UL);
                previous = input;
                do
                {
                    var b = (byte)(value & 0x7F);
                    value >>= 7;
                    deflate.WriteByte(value != 0 ? (byte)(b | 0x80) : b);
                }
                while (value != 0);
            }
        }

        return raw.ToArray();
    }

    internal static (uint[] Inputs, bool[] Up) DecodeTable(Stream encoded)
    {
        using var deflate = new DeflateStream(encoded, CompressionMode.Decompress);
        var inputs = new List<uint>();
        var up = new List<bool>();
        var previous = 0UL;
        while (true)
        {
            ulong value = 0;
            var shift = 0;
            int b;
            while ((b = deflate.ReadByte()) >= 0)
            {
                value |= (ulong)(b & 0x7F) << shift;
                shift += 7;
                if ((b & 0x80) == 0)
                {
                    break;
                }
            }

            if (b < 0)
            {
                return ([.. inputs], [.. up]);
            }

            previous += value >> 1;
            inputs.Add((uint)previous);
            up.Add((value & 1) != 0);
        }
    }

    private static (uint[] Inputs, bool[] Up) LoadTable()
    {
        using var stream = typeof(ErfinvMkl).Assembly.GetManifestResourceStream("EmbedSharp.Randomness.ErfinvMkl.table")
            ?? throw new InvalidOperationException("The embedded MKL erfinv table is missing from the assembly.");
        return DecodeTable(stream);
    }
}
