namespace EmbedSharp.Nn.Positional;

/// <summary>
/// The stateless core of <see cref="SinusoidalPositionalEncoding"/>: PE[pos, 2i] = sin(pos·ω_i),
/// PE[pos, 2i+1] = cos(pos·ω_i), ω_i = 10000^(−2i/d) (Vaswani et al. 2017), computed with the float32 recipe of
/// the PyTorch tutorial so the table lands within 6e-8 of PyTorch's own.
/// </summary>
/// <remarks>
/// The recipe (PyTorch tutorial / word_language_model / Annotated Transformer):
/// <c>div_term = exp(arange(0, d, 2) · float(−ln(10000)/d))</c> with a float32 product and a float32 exp,
/// <c>angle = float(pos) · div_term</c> (float32 product), then sin and cos of that float32 angle.
/// PyTorch's float32 exp is SLEEF's <c>expf</c> (1-ulp), which is not correctly rounded: one ulp in div_term
/// becomes pos ulps in the angle (6e-5 at pos 2047), so <see cref="DivTerm"/> reproduces SLEEF's algorithm
/// bit for bit. The sin/cos are computed in double from the float32 angle and rounded once; PyTorch's SLEEF
/// sinf/cosf differ from that by at most 1 ulp (≤ 6e-8).
/// With an odd d the last sine column (index d−1 interleaved, ⌈d/2⌉−1 concatenated) has no cosine partner.
/// </remarks>
public static class SinusoidalTable
{
    /// <summary>Writes the ⌈d/2⌉ inverse wavelengths ω_i = exp(2i·float(−ln(10000)/d)) exactly as PyTorch's
    /// float32 <c>div_term</c> (bit-exact). Shape: (⌈d/2⌉,).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dModel"/> is not positive.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than ⌈d/2⌉.</exception>
    public static void DivTerm(int dModel, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dModel);
        var count = (dModel + 1) / 2;
        if (destination.Length < count)
        {
            throw new ArgumentException($"Destination holds {destination.Length} values; d = {dModel} needs {count}.", nameof(destination));
        }

        var scale = (float)(-Math.Log(10000.0) / dModel); // Python double, cast to float by the multiply
        for (var i = 0; i < count; i++)
        {
            destination[i] = SleefExpF(2 * i * scale); // 2i is exact in float
        }
    }

    /// <summary>Fills rows [firstPosition, firstPosition + rows) of the table into <paramref name="destination"/>,
    /// rows = destination.Length / d. Shape: destination (rows, d) row-major.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dModel"/> is not positive or
    /// <paramref name="firstPosition"/> is negative.</exception>
    /// <exception cref="ArgumentException">The destination length is not a multiple of d.</exception>
    public static void Fill(Span<float> destination, long firstPosition, int dModel, SinusoidalLayout layout)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dModel);
        ArgumentOutOfRangeException.ThrowIfNegative(firstPosition);
        if (destination.Length % dModel != 0)
        {
            throw new ArgumentException($"Destination length {destination.Length} is not a multiple of d = {dModel}.", nameof(destination));
        }

        var half = (dModel + 1) / 2;
        Span<float> div = half <= 512 ? stackalloc float[half] : new float[half];
        DivTerm(dModel, div);
        var rows = destination.Length / dModel;
        for (var r = 0; r < rows; r++)
        {
            FillRow(destination.Slice(r * dModel, dModel), (float)(firstPosition + r), div, layout);
        }
    }

    /// <summary>Fills every row of <paramref name="table"/> (shape (maxLen, d)) with positions 0..maxLen−1.</summary>
    public static void Fill(Numerics.FloatTensor table, SinusoidalLayout layout)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Rank != 2)
        {
            throw new ArgumentException($"A positional table has shape (maxLen, d); got {Numerics.FloatTensor.FormatShape(table.Shape)}.", nameof(table));
        }

        var d = checked((int)table.Shape[1]);
        var half = (d + 1) / 2;
        var div = new float[half];
        DivTerm(d, div);
        for (long r = 0; r < table.RowCount; r++)
        {
            FillRow(table.Row(r), r, div, layout);
        }
    }

    private static void FillRow(Span<float> row, float position, ReadOnlySpan<float> div, SinusoidalLayout layout)
    {
        var d = row.Length;
        var half = div.Length;
        for (var i = 0; i < half; i++)
        {
            double angle = position * div[i]; // float32 product, as torch's position * div_term
            var (sin, cos) = Math.SinCos(angle);
            int sinCol, cosCol;
            if (layout == SinusoidalLayout.Interleaved)
            {
                sinCol = 2 * i;
                cosCol = sinCol + 1;
            }
            else
            {
                sinCol = i;
                cosCol = half + i;
            }

            row[sinCol] = (float)sin;
            if (cosCol < d)
            {
                row[cosCol] = (float)cos;
            }
        }
    }

    /// <summary>
    /// expf as SLEEF's 1-ulp <c>Sleef_expf8_u10</c> (AVX2 build, what PyTorch's float32 <c>exp</c> runs): round x/ln2 to
    /// q, Cody–Waite reduction s = x − q·ln2 in two fused steps, a degree-6 polynomial in fused Horner steps,
    /// 1 + (s·s·u + s), then scale by 2^q. Algorithm and constants: SLEEF 3 <c>xexpf</c> (Shibata, Boost licence).
    /// Verified bit-exact against torch.exp on 8.2M inputs in [−80, 80] (tools/goldens/make_positional.py stores a sweep).
    /// </summary>
    internal static float SleefExpF(float x)
    {
        const float RLn2 = 1.442695040888963407359924681001892137426645954152985934135449406931f;
        const float L2U = 0.693145751953125f;
        const float L2L = 1.428606765330187045e-06f;
        if (float.IsNaN(x))
        {
            return x;
        }

        if (x < -104f)
        {
            return 0f;
        }

        if (x > 88.8f)
        {
            return float.PositiveInfinity; // exp overflows float above 88.7228
        }

        var q = (int)MathF.Round(x * RLn2, MidpointRounding.ToEven);
        float qf = q;
        var s = MathF.FusedMultiplyAdd(qf, -L2U, x);
        s = MathF.FusedMultiplyAdd(qf, -L2L, s);
        var u = 0.000198527617612853646278381f;
        u = MathF.FusedMultiplyAdd(u, s, 0.00139304355252534151077271f);
        u = MathF.FusedMultiplyAdd(u, s, 0.00833336077630519866943359f);
        u = MathF.FusedMultiplyAdd(u, s, 0.0416664853692054748535156f);
        u = MathF.FusedMultiplyAdd(u, s, 0.166666671633720397949219f);
        u = MathF.FusedMultiplyAdd(u, s, 0.5f);
        u = 1.0f + MathF.FusedMultiplyAdd(s * s, u, s);
        return LdExp2(u, q);
    }

    // u·2^q by two power-of-two multiplies (exact while the result is normal), as SLEEF's ldexp2kf.
    private static float LdExp2(float u, int q)
    {
        var h = q >> 1;
        return u * Pow2(h) * Pow2(q - h);
    }

    private static float Pow2(int e) => BitConverter.Int32BitsToSingle((e + 127) << 23);
}
