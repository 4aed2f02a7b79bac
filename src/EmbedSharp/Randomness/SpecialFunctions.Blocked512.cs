using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EmbedSharp.Randomness;

/// <summary>
/// The span erfinv on AVX-512, staged over blocks: per lane the same operations as the scalar
/// <see cref="Erfinv(float)"/> (and the eight-lane <see cref="Erfinv(Vector256{float})"/>), reordered so that the hot
/// loops have no data-dependent branches.
/// </summary>
/// <remarks>
/// A single-vector kernel is one long dependency chain (start point, erf, exp, division, twice) with branches on
/// which erf intervals its lanes need; the CPU can neither overlap consecutive vectors nor predict the branches. Here
/// each stage runs over a whole block before the next starts (independent iterations), and erf's rare
/// 1.25 ≤ |x| interval (a few per cent of trunc_normal's lanes, yet present in almost half of all 16-lane vectors) is
/// evaluated only for those lanes: they are compressed into a queue, computed sixteen at a time and expanded back.
/// The tail starting point (its logf; |y| &gt; 0.7, about a quarter of the lanes) is queued the same way.
/// </remarks>
internal static partial class SpecialFunctions
{
    /// <summary>Elements per block: the scratch (5 × 1 KB plus the queue) stays in L1.</summary>
    private const int Block512 = 256;

    /// <summary>
    /// destination[i] = erfinv(source[i]) for the leading multiple of 16 elements, bit-identical to the scalar form;
    /// returns how many elements it wrote. Needs AVX-512F. The spans may be the same memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ErfinvBlocked512(ReadOnlySpan<float> source, Span<float> destination)
    {
        Span<float> scratch = stackalloc float[(4 * Block512) + Block512 + 16];
        var whole = source.Length & ~15;
        for (var start = 0; start < whole; start += Block512)
        {
            var n = Math.Min(Block512, whole - start);
            ErfinvBlock512(source.Slice(start, n), destination.Slice(start, n), scratch);
        }

        return whole;
    }

    /// <summary>One block (n a multiple of 16, at most <see cref="Block512"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ErfinvBlock512(ReadOnlySpan<float> source, Span<float> destination, Span<float> scratch)
    {
        var n = (nuint)source.Length;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var ys = ref MemoryMarshal.GetReference(scratch); // y, with |y| >= 1 and NaN lanes set to 0
        ref var xs = ref Unsafe.Add(ref ys, Block512); // the current x
        ref var es = ref Unsafe.Add(ref ys, 2 * Block512); // erf(x)
        ref var ds = ref Unsafe.Add(ref ys, 3 * Block512); // (float)2/(float)√π · e^(−x²)
        ref var qx = ref Unsafe.Add(ref ys, 4 * Block512); // queue: y with |y| > 0.7, later x with |x| >= 1.25 or NaN

        // stage 1: the central starting point y·P(y²)/Q(y²) for every lane; lanes with |y| > 0.7 are queued
        var anySpecial = Vector512<float>.Zero;
        var count = 0;
        for (nuint i = 0; i < n; i += 16)
        {
            var y = Vector512.LoadUnsafe(ref src, i);
            var special = ~Vector512.LessThan(Vector512.Abs(y), Vector512<float>.One);
            anySpecial |= special;
            y = Vector512.AndNot(y, special);
            y.StoreUnsafe(ref ys, i);
            ErfinvCentralStart(y).StoreUnsafe(ref xs, i);
            var tail = Vector512.GreaterThan(Vector512.Abs(y), Vector512.Create(CentralRange)).AsInt32();
            Avx512F.Compress(Vector512<float>.Zero, tail.AsSingle(), y).StoreUnsafe(ref qx, (nuint)count);
            count += BitOperations.PopCount(tail.ExtractMostSignificantBits());
        }

        // the queued lanes' starting point sign(y)·C(t)/D(t), t = √(−ln((1−|y|)/2)), sixteen at a time, computed in
        // place in the queue and expanded back into their lanes
        if (count > 0)
        {
            Vector512<float>.Zero.StoreUnsafe(ref qx, (nuint)count); // padding lanes evaluate y = 0
            for (var k = 0; k < count; k += 16)
            {
                ErfinvTailStart(Vector512.LoadUnsafe(ref qx, (nuint)k)).StoreUnsafe(ref qx, (nuint)k);
            }

            var taken = 0;
            for (nuint i = 0; i < n; i += 16)
            {
                var tail = Vector512.GreaterThan(Vector512.Abs(Vector512.LoadUnsafe(ref ys, i)), Vector512.Create(CentralRange));
                var x = Avx512F.Expand(Vector512.LoadUnsafe(ref xs, i), tail, Vector512.LoadUnsafe(ref qx, (nuint)taken));
                x.StoreUnsafe(ref xs, i);
                taken += BitOperations.PopCount(tail.ExtractMostSignificantBits());
            }
        }

        // stages 2-4, twice: x ← x − (erf(x) − y) / ((float)2/(float)√π · e^(−x²))
        var twoOverSqrtPi = Vector512.Create(TwoOverSqrtPi);
        for (var step = 0; step < 2; step++)
        {
            // stage 2: erf on |x| < 1.25 and the Newton denominator; queue the other lanes
            count = 0;
            for (nuint i = 0; i < n; i += 16)
            {
                var x = Vector512.LoadUnsafe(ref xs, i);
                var ix = x.AsInt32() & Vector512.Create(0x7fffffff);
                var sign = x.AsUInt32() & Vector512.Create(0x80000000u);
                var small = Vector512.LessThan(ix, Vector512.Create(0x3f580000));
                var smallOrMid = Vector512.LessThan(ix, Vector512.Create(0x3fa00000));
                var mid = Vector512.AndNot(smallOrMid, small);
                ErfSmallMid(x, ix.AsSingle(), ix, mid.AsSingle(), sign).StoreUnsafe(ref es, i);
                (twoOverSqrtPi * VectorMath.Exp(-x * x)).StoreUnsafe(ref ds, i);

                // compress the remaining lanes to the queue's end (a full store; lanes past the count are overwritten later)
                var rest = ~smallOrMid;
                Avx512F.Compress(Vector512<float>.Zero, rest.AsSingle(), x).StoreUnsafe(ref qx, (nuint)count);
                count += BitOperations.PopCount(rest.ExtractMostSignificantBits());
            }

            // stage 3: erf on the queued lanes, sixteen at a time, in place; padding lanes evaluate x = 2
            if (count > 0)
            {
                Vector512.Create(2f).StoreUnsafe(ref qx, (nuint)count);
                for (var k = 0; k < count; k += 16)
                {
                    var x = Vector512.LoadUnsafe(ref qx, (nuint)k);
                    var ix = x.AsInt32() & Vector512.Create(0x7fffffff);
                    var sign = x.AsUInt32() & Vector512.Create(0x80000000u);
                    var one = (Vector512.Create(1f).AsUInt32() | sign).AsSingle();
                    ErfRest(x, ix.AsSingle(), ix, sign, Vector512<int>.AllBitsSet, one).StoreUnsafe(ref qx, (nuint)k);
                }
            }

            // stage 4: the queued erf values expanded back into their lanes, then the Newton update
            var taken = 0;
            for (nuint i = 0; i < n; i += 16)
            {
                var x = Vector512.LoadUnsafe(ref xs, i);
                var rest = ~Vector512.LessThan(x.AsInt32() & Vector512.Create(0x7fffffff), Vector512.Create(0x3fa00000));
                var e = Avx512F.Expand(Vector512.LoadUnsafe(ref es, i), rest.AsSingle(), Vector512.LoadUnsafe(ref qx, (nuint)taken));
                taken += BitOperations.PopCount(rest.ExtractMostSignificantBits());
                var y = Vector512.LoadUnsafe(ref ys, i);
                (x - ((e - y) / Vector512.LoadUnsafe(ref ds, i))).StoreUnsafe(ref xs, i);
            }
        }

        if (anySpecial != Vector512<float>.Zero)
        {
            // |y| >= 1 or NaN: the scalar form (read before the destination is written: the spans may coincide)
            for (nuint i = 0; i < n; i++)
            {
                var y = Unsafe.Add(ref src, i);
                if (!(MathF.Abs(y) < 1f))
                {
                    Unsafe.Add(ref xs, i) = Erfinv(y);
                }
            }
        }

        MemoryMarshal.CreateReadOnlySpan(ref xs, (int)n).CopyTo(destination);
    }

    /// <summary>The central starting point y·P(y²)/Q(y²) (fma Horner steps), used where |y| ≤ 0.7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ErfinvCentralStart(Vector512<float> y)
    {
        var z = y * y;
        var num = Vector512.FusedMultiplyAdd(
            Vector512.FusedMultiplyAdd(
                Vector512.FusedMultiplyAdd(Vector512.Create(A3), z, Vector512.Create(A2)), z, Vector512.Create(A1)),
            z,
            Vector512.Create(A0));
        var dem = Vector512.FusedMultiplyAdd(
            Vector512.FusedMultiplyAdd(
                Vector512.FusedMultiplyAdd(
                    Vector512.FusedMultiplyAdd(Vector512.Create(B3), z, Vector512.Create(B2)), z, Vector512.Create(B1)),
                z,
                Vector512.Create(B0)),
            z,
            Vector512<float>.One);
        return y * num / dem;
    }

    /// <summary>The tail starting point sign(y)·C(t)/D(t), t = √(−ln((1−|y|)/2)) (fma Horner steps), for |y| &lt; 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ErfinvTailStart(Vector512<float> y)
    {
        // (1 − |y|)/2 is exact as (1 − |y|)·0.5 (a power of two, no underflow for |y| < 1)
        var t = Vector512.Sqrt(-VectorMath.Log((Vector512<float>.One - Vector512.Abs(y)) * Vector512.Create(0.5f)));
        var num = Vector512.FusedMultiplyAdd(
            Vector512.FusedMultiplyAdd(
                Vector512.FusedMultiplyAdd(Vector512.Create(C3), t, Vector512.Create(C2)), t, Vector512.Create(C1)),
            t,
            Vector512.Create(C0));
        var dem = Vector512.FusedMultiplyAdd(
            Vector512.FusedMultiplyAdd(Vector512.Create(D1), t, Vector512.Create(D0)), t, Vector512<float>.One);
        return Vector512.CopySign(num, y) / dem;
    }
}
