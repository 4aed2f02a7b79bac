using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EmbedSharp.Randomness;

/// <summary>
/// Eight-lane (<see cref="Vector256{T}"/>) versions of <see cref="MathF.Exp"/>, <see cref="MathF.Log(float)"/>,
/// <see cref="SpecialFunctions.Erf(float)"/> and <see cref="SpecialFunctions.Erfinv(float)"/> that return, lane by
/// lane, exactly the bits of the scalar function.
/// </summary>
/// <remarks>
/// <para><c>Exp</c> and <c>Log</c> follow glibc 2.36's <c>expf</c>/<c>logf</c> (sysdeps/ieee754/flt-32, evaluated
/// in double precision with small tables) as the x86-64 FMA build that <see cref="MathF"/> reaches through ifunc
/// dispatch: every multiply-add of the form a·b + c is one fused operation. That contraction pattern was fixed
/// empirically by comparing against <see cref="MathF.Exp"/>/<see cref="MathF.Log(float)"/> on every float input.</para>
/// <para>Lanes outside the region a kernel evaluates in-vector (|x| ≥ 88 or NaN for exp; non-positive, subnormal,
/// infinite or NaN for log; NaN/±∞ for erf; |y| ≥ 1 or NaN for erfinv) are recomputed with the scalar function, so
/// every lane is exact for every input; in-vector lanes never depend on whether AVX2 gathers are available.</para>
/// </remarks>
internal static partial class VectorMath
{
    // glibc e_exp2f_data.c (__exp2f_data), EXP2F_TABLE_BITS = 5: tab[i] = bits(2^(i/32)) − (i << 47).
    private static readonly ulong[] ExpTable =
    [
        0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51,
        0x3fef72b83c7d517b, 0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1,
        0x3fef06fe0a31b715, 0x3feef1a7373aa9cb, 0x3feedea64c123422, 0x3feece086061892d,
        0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429, 0x3feea47eb03a5585,
        0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
        0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d,
        0x3feee89f995ad3ad, 0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069,
        0x3fef5818dcfba487, 0x3fef7c97337b9b5f, 0x3fefa4afa2a490da, 0x3fefd0765b6e4540,
    ];

    // The same file's scalars; each decimal literal is the shortest round-trip form of glibc's hex constant.
    private const double ExpShift = 6755399441055744.0; // 0x1.8p+52
    private const double InvLn2N = 46.16624130844683; // 0x1.71547652b82fep+0 * 32
    private const double ExpC0 = 1.6938359250920212e-06; // 0x1.c6af84b912394p-5 / 32^3
    private const double ExpC1 = 0.00023459809789509004; // 0x1.ebfce50fac4f3p-3 / 32^2
    private const double ExpC2 = 0.021660849396613134; // 0x1.62e42ff0c52d6p-1 / 32

    // glibc e_logf_data.c (__logf_data), LOGF_TABLE_BITS = 4: 1/c and log(c) for the 16 subintervals of [OFF, 2·OFF].
    private static readonly double[] LogInvC =
    [
        1.398907162146528, 1.3403141896637998, 1.286432210124115, 1.2367150214269895,
        1.1906977166711752, 1.1479821020556429, 1.1082251448272158, 1.0711297413057381,
        1.036437278977283, 1.0, 0.9492859795739057, 0.8951049428609004,
        0.8476821620351103, 0.8050314851692001, 0.7664671008843108, 0.731428603316328,
    ];

    private static readonly double[] LogLogC =
    [
        -0.33569133332882284, -0.2929040563774074, -0.2518726580937369, -0.21245868807117255,
        -0.17453945183745634, -0.1380057072319758, -0.10275976698545139, -0.06871392447020525,
        -0.0357891387398228, 0.0, 0.05204517742929496, 0.11081431298787942,
        0.1652495223695143, 0.21687389031699977, 0.2659635028121397, 0.3127556664073557,
    ];

    private const uint LogOff = 0x3f330000;
    private const double Ln2 = 0.6931471805599453; // 0x1.62e42fefa39efp-1
    private const double LogA0 = -0.25089342214237154; // -0x1.00ea348b88334p-2
    private const double LogA1 = 0.333456765744066; // 0x1.5575b0be00b6ap-2
    private const double LogA2 = -0.4999997485802103; // -0x1.ffffef20a4123p-2

    /// <summary>The exp table entry bits for index i (0..31), as stored; exposed for the table tests.</summary>
    internal static ulong ExpTableBits(int i) => ExpTable[i];

    /// <summary>The log table's (1/c, log c) pair for index i (0..15), as stored; exposed for the table tests.</summary>
    internal static (double InvC, double LogC) LogTableEntry(int i) => (LogInvC[i], LogLogC[i]);

    /// <summary>Lane-wise <see cref="MathF.Exp"/> (glibc 2.36 <c>__expf_fma</c>), bit-identical in every lane.</summary>
    /// <param name="x">Any floats.</param>
    /// <returns>e^x per lane.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Vector256<float> Exp(Vector256<float> x)
    {
        // glibc's slow path: |x| >= 88 (top 12 bits of |x| >= those of 88f) or NaN
        var special = Vector256.GreaterThanOrEqual((x.AsUInt32() >> 20) & Vector256.Create(0x7ffu), Vector256.Create(0x42bu));
        var safe = Vector256.AndNot(x, special.AsSingle()); // special lanes evaluate e^0 and are replaced below
        var result = Vector256.Narrow(ExpCore(Vector256.WidenLower(safe)), ExpCore(Vector256.WidenUpper(safe)));
        if (special != Vector256<uint>.Zero)
        {
            result = ExpSlowLanes(x, result, special.AsSingle());
        }

        return result;
    }

    /// <summary>e^x in double for |x| &lt; 88 floats widened to double: glibc's 2^(k/32)·2^(r/32) evaluation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> ExpCore(Vector256<double> xd)
    {
        // kd = round(x·32/ln2) via the shift trick; the multiply is fused into both uses, as GCC contracts it
        var invLn2N = Vector256.Create(InvLn2N);
        var shift = Vector256.Create(ExpShift);
        var kd = Vector256.FusedMultiplyAdd(invLn2N, xd, shift);
        var ki = kd.AsUInt64();
        kd -= shift;
        var r = Vector256.FusedMultiplyAdd(invLn2N, xd, -kd);

        // s = 2^(k/32): table entry for k mod 32 plus k shifted into the exponent
        var t = LookupExp(ki & Vector256.Create(31ul)) + (ki << 47);
        var s = t.AsDouble();

        var z = Vector256.FusedMultiplyAdd(Vector256.Create(ExpC0), r, Vector256.Create(ExpC1));
        var r2 = r * r;
        var y = Vector256.FusedMultiplyAdd(Vector256.Create(ExpC2), r, Vector256<double>.One);
        y = Vector256.FusedMultiplyAdd(z, r2, y);
        return y * s;
    }

    /// <summary>Lane-wise <see cref="MathF.Log(float)"/> (glibc 2.36 <c>__logf_fma</c>), bit-identical in every lane.</summary>
    /// <param name="x">Any floats.</param>
    /// <returns>ln x per lane.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Vector256<float> Log(Vector256<float> x)
    {
        var ix = x.AsUInt32();
        // glibc's slow path: x < 2^-126 (incl. ±0, negatives, subnormals), +∞ or NaN
        var special = Vector256.GreaterThanOrEqual(ix - Vector256.Create(0x00800000u), Vector256.Create(0x7f800000u - 0x00800000u));
        ix = Vector256.ConditionalSelect(special, Vector256.Create(0x3f800000u), ix);

        // x = 2^k·z with z in [OFF, 2·OFF); i picks the subinterval of z
        var tmp = ix - Vector256.Create(LogOff);
        var i = ((tmp >> 19) & Vector256.Create(15u)).AsInt32();
        var k = Vector256.ConvertToSingle(tmp.AsInt32() >> 23); // exact: |k| < 2^8
        var z = (ix - (tmp & Vector256.Create(0xff800000u))).AsSingle();

        var lo = LogCore(Vector256.WidenLower(z), Vector256.WidenLower(k), i.GetLower());
        var hi = LogCore(Vector256.WidenUpper(z), Vector256.WidenUpper(k), i.GetUpper());
        var result = Vector256.Narrow(lo, hi);
        if (special != Vector256<uint>.Zero)
        {
            result = LogSlowLanes(x, result, special.AsSingle());
        }

        return result;
    }

    /// <summary>ln(2^k·z) in double: log1p(z/c − 1) + log c + k·ln 2 with glibc's cubic, every a·b + c fused.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> LogCore(Vector256<double> z, Vector256<double> k, Vector128<int> i)
    {
        var (invc, logc) = LookupLog(i);
        var r = Vector256.FusedMultiplyAdd(z, invc, -Vector256<double>.One);
        var y0 = Vector256.FusedMultiplyAdd(k, Vector256.Create(Ln2), logc);
        var r2 = r * r;
        var y = Vector256.FusedMultiplyAdd(Vector256.Create(LogA1), r, Vector256.Create(LogA2));
        y = Vector256.FusedMultiplyAdd(Vector256.Create(LogA0), r2, y);
        return Vector256.FusedMultiplyAdd(y, r2, y0 + r);
    }

    /// <summary>Four exp-table entries (as bits) for the indices in <paramref name="index"/> (each 0..31).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe Vector256<ulong> LookupExp(Vector256<ulong> index)
    {
        if (Avx2.IsSupported)
        {
            fixed (ulong* table = ExpTable)
            {
                return Avx2.GatherVector256(table, index.AsInt64(), 8);
            }
        }

        return LookupExpScalar(index);
    }

    /// <summary>The portable form of <see cref="LookupExp(Vector256{ulong})"/>: one table read per lane.</summary>
    internal static Vector256<ulong> LookupExpScalar(Vector256<ulong> index) =>
        Vector256.Create(
            ExpTable[(int)index.GetElement(0)],
            ExpTable[(int)index.GetElement(1)],
            ExpTable[(int)index.GetElement(2)],
            ExpTable[(int)index.GetElement(3)]);

    /// <summary>Four (1/c, log c) log-table pairs for the indices in <paramref name="index"/> (each 0..15).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe (Vector256<double> InvC, Vector256<double> LogC) LookupLog(Vector128<int> index)
    {
        if (Avx2.IsSupported)
        {
            fixed (double* invc = LogInvC)
            fixed (double* logc = LogLogC)
            {
                return (Avx2.GatherVector256(invc, index, 8), Avx2.GatherVector256(logc, index, 8));
            }
        }

        return LookupLogScalar(index);
    }

    /// <summary>The portable form of <see cref="LookupLog(Vector128{int})"/>: one pair of table reads per lane.</summary>
    internal static (Vector256<double> InvC, Vector256<double> LogC) LookupLogScalar(Vector128<int> index)
    {
        int i0 = index.GetElement(0), i1 = index.GetElement(1), i2 = index.GetElement(2), i3 = index.GetElement(3);
        return (Vector256.Create(LogInvC[i0], LogInvC[i1], LogInvC[i2], LogInvC[i3]),
            Vector256.Create(LogLogC[i0], LogLogC[i1], LogLogC[i2], LogLogC[i3]));
    }

    /// <summary>Replaces the lanes of <paramref name="result"/> selected by <paramref name="lanes"/> with MathF.Exp.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> ExpSlowLanes(Vector256<float> x, Vector256<float> result, Vector256<float> lanes)
    {
        var mask = lanes.ExtractMostSignificantBits();
        for (var j = 0; j < 8; j++)
        {
            if ((mask & (1u << j)) != 0)
            {
                result = result.WithElement(j, MathF.Exp(x.GetElement(j)));
            }
        }

        return result;
    }

    /// <summary>Replaces the lanes of <paramref name="result"/> selected by <paramref name="lanes"/> with MathF.Log.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> LogSlowLanes(Vector256<float> x, Vector256<float> result, Vector256<float> lanes)
    {
        var mask = lanes.ExtractMostSignificantBits();
        for (var j = 0; j < 8; j++)
        {
            if ((mask & (1u << j)) != 0)
            {
                result = result.WithElement(j, MathF.Log(x.GetElement(j)));
            }
        }

        return result;
    }
}
